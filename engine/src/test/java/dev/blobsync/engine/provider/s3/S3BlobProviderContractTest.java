package dev.blobsync.engine.provider.s3;

import dev.blobsync.engine.spi.BlobProvider;
import dev.blobsync.engine.spi.BlobProviderContract;
import java.util.Map;

/**
 * The blob provider contract against S3Proxy with signature checking. Blobs from 5 MiB up are
 * multipart with 5 MiB parts (S3's smallest), so the contract's resume runs on parts; smaller
 * ones are single PUTs.
 */
class S3BlobProviderContractTest extends BlobProviderContract {
    private static final int PART = 5 << 20;
    private String bucket;

    @Override
    protected BlobProvider openFirst() {
        S3TestServer server = S3TestServer.get();
        bucket = server.newBucket("contract");
        return reopen();
    }

    @Override
    protected BlobProvider reopen() {
        return S3TestServer.get().provider(bucket, Map.of("multipartThreshold", "5MiB", "partSize", "5MiB",
                "prefix", "blobs/"));
    }

    @Override
    protected int resumeUnit() {
        return PART;
    }
}

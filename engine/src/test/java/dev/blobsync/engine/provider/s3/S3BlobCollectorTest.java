package dev.blobsync.engine.provider.s3;

import dev.blobsync.engine.gc.BlobCollectorContract;
import dev.blobsync.engine.testing.EngineFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** {@code blobsync gc} against S3Proxy; sessions are multipart uploads. */
class S3BlobCollectorTest extends BlobCollectorContract {
    private String bucket;

    @Override
    protected Path config(String device) throws Exception {
        S3TestServer server = S3TestServer.get();
        if (bucket == null) {
            bucket = server.newBucket("gc");
        }
        Path file = dir.resolve(device + ".yaml");
        Files.writeString(file, "data:\n  provider: sqlite\n  config:\n    hub: " + dir.resolve("hub") + "\n"
                + server.blobsYaml(bucket, S3TestServer.SECRET_KEY, Map.of("multipartThreshold", "5MiB",
                "partSize", "5MiB", "prefix", "blobs/"))
                + "cache:\n  directory: " + dir.resolve("cache-" + device) + "\n"
                + "sync:\n  pollInterval: 200ms\n"
                + "offline:\n  uploadDelay: 0s\n  retryStrategy: {maxAttempts: 50, initialDelay: 100ms, maxDelay: 500ms}\n"
                + EngineFixture.PHOTOS_SCHEMA);
        return file;
    }

    @Override
    protected int sessionSize() {
        return 10 << 20;
    }
}

package dev.blobsync.engine.provider.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.blobsync.engine.config.ProviderConfig;
import dev.blobsync.engine.spi.BlobProvider;
import dev.blobsync.engine.spi.BlobProviderContract;
import dev.blobsync.engine.spi.ProviderException;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The blob provider contract in presign-endpoint mode: the engine holds no S3 keys and asks
 * {@link TestPresignEndpoint} for every URL. Listing is not part of that contract.
 */
class PresignEndpointContractTest extends BlobProviderContract {
    private TestPresignEndpoint endpoint;

    @Override
    protected BlobProvider openFirst() throws Exception {
        S3TestServer server = S3TestServer.get();
        endpoint = new TestPresignEndpoint(server, server.newBucket("presign"), "app/");
        return reopen();
    }

    @Override
    protected BlobProvider reopen() {
        return open(TestPresignEndpoint.TOKEN);
    }

    private BlobProvider open(String token) {
        return S3BlobProvider.open(new ProviderConfig("s3", Map.of("presignEndpoint", endpoint.uri().toString(),
                "presignToken", token, "multipartThreshold", "5MiB", "partSize", "5MiB"), "blobs", null));
    }

    @Override
    protected int resumeUnit() {
        return 5 << 20;
    }

    @Override
    protected boolean lists() {
        return false;
    }

    @AfterEach
    void stopEndpoint() {
        endpoint.close();
    }

    @Test
    void aRefusedTokenIsAClearNonRetryableError() {
        try (BlobProvider wrong = open("stolen")) {
            assertThatThrownBy(() -> wrong.size("a".repeat(64)))
                    .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.retryable()).isFalse())
                    .hasMessageContaining("answered HTTP 401").hasMessageContaining("presignToken");
        }
    }
}

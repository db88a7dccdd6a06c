package dev.blobsync.engine.provider.tus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.spi.ProviderException;
import dev.blobsync.engine.testing.TusTestServer;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tus server that checks hashes itself and never publishes bytes that do not match their
 * {@code sha256} metadata. This needs {@link TusTestServer}: @tus/server checks no content, so
 * against it the provider's own check does the work (see the contract tests); here the server
 * refuses first and the provider must notice that a finished upload is not served.
 */
class TusHashCheckingServerTest {
    @TempDir
    Path dir;

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void theServerKeepsOneCopyAndABlobItRefusesIsReportedNotPublished() throws Exception {
        try (TusTestServer server = TusTestServer.start(dir);
             TusBlobProvider provider = TusBlobProvider.open(server.settings(server.port()))) {
            byte[] data = bytes(40_000, 21);
            String key = Hashing.sha256(new ByteArrayInputStream(data));
            for (int i = 0; i < 2; i++) {
                String token = provider.beginUpload(key, data.length);
                provider.append(key, token, 0, new ByteArrayInputStream(data), data.length);
                provider.complete(key, token);
            }
            assertThat(server.completions()).containsEntry(key, 2);
            assertThat(server.storedKeys()).contains(key);

            byte[] other = bytes(40_000, 22);
            String otherKey = Hashing.sha256(new ByteArrayInputStream(other));
            byte[] wrong = other.clone();
            wrong[7] ^= 1;
            String token = provider.beginUpload(otherKey, wrong.length);
            provider.append(otherKey, token, 0, new ByteArrayInputStream(wrong), wrong.length);
            assertThatThrownBy(() -> provider.complete(otherKey, token))
                    .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.retryable()).isFalse())
                    .hasMessageContaining(otherKey).hasMessageContaining("did not publish");
            assertThat(server.rejected()).contains(otherKey);
            assertThat(provider.uploadedBytes(otherKey, token)).as("the next attempt starts a new session")
                    .isEqualTo(-1);
        }
    }
}

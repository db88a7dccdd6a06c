package dev.blobsync.engine.provider.tus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.blobsync.engine.spi.BlobProvider;
import dev.blobsync.engine.spi.BlobProviderContract;
import dev.blobsync.engine.spi.ProviderException;
import dev.blobsync.engine.testing.TusTestServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The blob provider contract against a real tus server, plus what is particular to tus. */
class TusBlobProviderTest extends BlobProviderContract {
    @TempDir
    static Path dir;
    static TusTestServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = TusTestServer.start(dir);
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    /** A tus server lists neither blobs nor sessions. */
    @Override
    protected boolean lists() {
        return false;
    }

    @Override
    protected BlobProvider openFirst() {
        return TusBlobProvider.open(server.settings(server.port()));
    }

    @Override
    protected BlobProvider reopen() {
        return openFirst();
    }

    private static TusSettings withPayload(long bytes) {
        TusSettings s = server.settings(server.port());
        return s.withHeaders(Map.of("Authorization", "Bearer test")).withRequestPayloadSize(bytes);
    }

    @Test
    void appendsAreSentInRequestsOfAtMostRequestPayloadSizeWithTheConfiguredHeaders() throws Exception {
        byte[] data = bytes(300_000, 20);
        String key = sha(data);
        try (TusBlobProvider p = TusBlobProvider.open(withPayload(64 << 10))) {
            String token = p.beginUpload(key, data.length);
            p.append(key, token, 0, new ByteArrayInputStream(data), data.length);
            p.complete(key, token);
            String path = URI.create(token).getPath();
            assertThat(server.patches()).filteredOn(x -> x.upload().equals(path))
                    .extracting(TusTestServer.Patch::offset)
                    .containsExactly(0L, 65_536L, 131_072L, 196_608L, 262_144L);
            assertThat(p.urlOf(key)).hasValue(server.readUrl().replace(TusSettings.KEY, key));
        }
        assertThat(server.authorizations()).as("configured headers are sent").contains("Bearer test");
        assertThat(Files.readAllBytes(server.storedFile(key))).isEqualTo(data);
    }

    @Test
    void theServerKeepsOneCopyAndRejectsBytesThatDoNotHashToTheKey() throws Exception {
        byte[] data = bytes(40_000, 21);
        String key = sha(data);
        upload(data);
        upload(data);
        assertThat(server.completions()).containsEntry(key, 2);
        assertThat(server.storedKeys()).contains(key);

        byte[] other = bytes(40_000, 22);
        String otherKey = sha(other);
        byte[] wrong = other.clone();
        wrong[7] ^= 1;
        String token = provider.beginUpload(otherKey, wrong.length);
        provider.append(otherKey, token, 0, new ByteArrayInputStream(wrong), wrong.length);
        assertThatThrownBy(() -> provider.complete(otherKey, token))
                .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining(otherKey);
        assertThat(server.rejected()).contains(otherKey);
        assertThat(provider.uploadedBytes(otherKey, token)).as("the next attempt starts a new session").isEqualTo(-1);
    }

    @Test
    void aSessionOnAnotherServerIsUnknownHere() throws Exception {
        String key = sha(bytes(10, 23));
        assertThat(provider.uploadedBytes(key, "http://127.0.0.1:1/files/abc")).isEqualTo(-1);
        assertThatThrownBy(() -> provider.uploadedBytes(key, "not a url"))
                .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.retryable()).isFalse());
    }

    @Test
    void anUnreachableServerIsRetryable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        TusSettings s = server.settings(port);
        try (TusBlobProvider p = TusBlobProvider.open(s.withTimeout(Duration.ofSeconds(2)))) {
            String key = sha(bytes(10, 24));
            assertThatThrownBy(() -> p.size(key))
                    .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.retryable()).isTrue());
            assertThatThrownBy(p::ping)
                    .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.retryable()).isTrue());
        }
    }

    @Test
    void pingAsksTheEndpointAndReadsCheckTheirRange() throws Exception {
        provider.ping();
        byte[] data = bytes(70_000, 25);
        upload(data);
        try (InputStream in = provider.read(sha(data), 1, 1)) {
            assertThat(in.readAllBytes()).containsExactly(data[1]);
        }
        assertThatThrownBy(() -> provider.read(sha(data), 80_000, -1))
                .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.retryable()).isFalse());
    }

    @Test
    void aClosedProviderRefusesCalls() throws Exception {
        BlobProvider p = openFirst();
        p.close();
        assertThatThrownBy(() -> p.size(sha(bytes(1, 26)))).isInstanceOf(ProviderException.class)
                .hasMessageContaining("closed");
    }
}

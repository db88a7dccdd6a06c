package dev.blobsync.engine.provider.tus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.blobsync.engine.config.ConfigException;
import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.config.EngineConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

class TusConfigTest {
    private static final Path FILE = Path.of("/home/a/blobsync.yaml");
    private static final String REST = """
            data: {provider: sqlite, config: {hub: hub}}
            schema:
              notes:
                id: uuid
                title: string
            """;

    private static EngineConfig load(String blobsConfig) {
        return ConfigLoader.parse("blobs:\n  provider: tus\n  config:\n" + blobsConfig.indent(4) + REST, FILE);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> failsAt(String blobsConfig, String keyPath) {
        return assertThatThrownBy(() -> load(blobsConfig)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(FILE + ": ")
                .satisfies(e -> assertThat(((ConfigException) e).keyPath()).isEqualTo(keyPath));
    }

    @Test
    void allKeysAreRead() {
        EngineConfig c = load("""
                endpoint: https://tus.example.com/files/
                readUrl: "https://cdn.example.com/blobs/{sha256}"
                headers: {Authorization: Bearer abc, X-Tenant: '42'}
                requestPayloadSize: 4MiB
                timeout: 20s
                """);
        TusSettings s = TusSettings.from(c.blobs());
        assertThat(s.endpoint()).isEqualTo(URI.create("https://tus.example.com/files/"));
        assertThat(s.blobUrl("ab".repeat(32))).isEqualTo(URI.create("https://cdn.example.com/blobs/" + "ab".repeat(32)));
        assertThat(s.headers()).isEqualTo(Map.of("Authorization", "Bearer abc", "X-Tenant", "42"));
        assertThat(s.requestPayloadSize()).isEqualTo(4L << 20);
        assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void onlyTheTwoUrlsAreNeeded() {
        TusSettings s = TusSettings.from(load("""
                endpoint: http://127.0.0.1:1080/files/
                readUrl: "http://127.0.0.1:1080/blobs/{sha256}"
                """).blobs());
        assertThat(s.headers()).isEmpty();
        assertThat(s.requestPayloadSize()).isEqualTo(TusSettings.DEFAULT_REQUEST_PAYLOAD_SIZE);
        assertThat(s.timeout()).isEqualTo(TusSettings.DEFAULT_TIMEOUT);
    }

    @Test
    void errorsNameTheFileAndTheKey() {
        String read = "readUrl: \"http://h/blobs/{sha256}\"\n";
        failsAt(read, "blobs.config.endpoint").hasMessageContaining("'blobs.config.endpoint' is missing");
        failsAt("endpoint: http://h/files/\n", "blobs.config.readUrl").hasMessageContaining("is missing");
        failsAt("endpoint: ftp://h/files/\n" + read, "blobs.config.endpoint")
                .hasMessageContaining("not an absolute http or https URL");
        failsAt("endpoint: http://h/files/\nreadUrl: http://h/blobs/\n", "blobs.config.readUrl")
                .hasMessageContaining("does not contain {sha256}");
        failsAt("endpoint: http://h/files/\n" + read + "headers: {Host: x}\n", "blobs.config.headers.Host")
                .hasMessageContaining("HTTP client sets");
        failsAt("endpoint: http://h/files/\n" + read + "headers: {X-A: 5}\n", "blobs.config.headers.X-A")
                .hasMessageContaining("not text");
        failsAt("endpoint: http://h/files/\n" + read + "headers: [a]\n", "blobs.config.headers")
                .hasMessageContaining("not a map");
        failsAt("endpoint: http://h/files/\n" + read + "requestPayloadSize: lots\n",
                "blobs.config.requestPayloadSize").hasMessageContaining("not a size");
        failsAt("endpoint: http://h/files/\n" + read + "timeout: 5\n", "blobs.config.timeout")
                .hasMessageContaining("not a duration");
        failsAt("endpoint: http://h/files/\n" + read + "chunkSize: 1MB\n", "blobs.config.chunkSize")
                .hasMessageContaining("Accepted keys in 'blobs.config': endpoint, readUrl, headers, "
                        + "requestPayloadSize, timeout");
    }

    @Test
    void aTooSmallPayloadOrTimeoutIsRefusedWhenTheProviderOpens() {
        String base = "endpoint: http://h/files/\nreadUrl: \"http://h/blobs/{sha256}\"\n";
        assertThatThrownBy(() -> TusSettings.from(load(base + "requestPayloadSize: 10\n").blobs()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'blobs.config.requestPayloadSize' is 10 bytes");
        assertThatThrownBy(() -> TusSettings.from(load(base + "timeout: 1ms\n").blobs()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'blobs.config.timeout' is 1ms");
    }
}

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

    private static final Map<String, String> ENV = Map.of("SUPABASE_SERVICE_KEY", "service-secret-123",
            "TUS_TOKEN", "tus-secret-456");

    private static TusSettings settings(String blobsConfig) {
        return TusSettings.from(load(blobsConfig).blobs(), ENV);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> failsAt(String blobsConfig, String keyPath) {
        return assertThatThrownBy(() -> settings(blobsConfig)).isInstanceOf(ConfigException.class)
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
                .hasMessageContaining("Accepted keys in 'blobs.config': preset, endpoint, readUrl, headers, "
                        + "nameMetadata, requestPayloadSize, timeout, projectRef, bucket, prefix, accessToken, apiKey, "
                        + "cacheControl");
        failsAt("endpoint: http://h/files/\n" + read + "nameMetadata: [objectName, 'a b']\n", "blobs.config.nameMetadata")
                .hasMessageContaining("'blobs.config.nameMetadata[1]' is 'a b'");
        failsAt("endpoint: http://h/files/\n" + read + "bucket: photos\n", "blobs.config.bucket")
                .hasMessageContaining("belongs to preset supabase-storage");
        failsAt("preset: dropbox\n", "blobs.config.preset").hasMessageContaining("Accepted: tus");
    }

    @Test
    void supabasePresetBuildsTheEndpointsFromTheProjectAndReadsTheKeyFromTheEnvironment() {
        TusSettings s = settings("""
                preset: supabase-storage
                projectRef: abcdefghij
                bucket: family-photos
                prefix: blobs
                accessToken: ${SUPABASE_SERVICE_KEY}
                """);
        String key = "ab".repeat(32);
        assertThat(s.endpoint()).isEqualTo(URI.create("https://abcdefghij.storage.supabase.co/storage/v1/upload/resumable"));
        assertThat(s.blobUrl(key)).isEqualTo(URI.create(
                "https://abcdefghij.storage.supabase.co/storage/v1/object/authenticated/family-photos/blobs/" + key));
        assertThat(s.supabase().objectName(key)).isEqualTo("blobs/" + key);
        assertThat(s.headers()).containsEntry("Authorization", "Bearer service-secret-123")
                .containsEntry("apikey", "service-secret-123");
        assertThat(s.requestPayloadSize()).isEqualTo(6L << 20);
        assertThat(s.exactPayloads()).isTrue();
        assertThat(s.toString()).as("secrets never shown").doesNotContain("service-secret-123");
        assertThat(load("preset: supabase-storage\nbucket: b\naccessToken: ${SUPABASE_SERVICE_KEY}\n"
                + "projectRef: x\n").blobs().toString()).doesNotContain("SUPABASE_SERVICE_KEY");
    }

    @Test
    void selfHostedSupabaseTakesItsUrlAndASeparateApiKey() {
        TusSettings s = settings("""
                preset: supabase-storage
                endpoint: http://127.0.0.1:54321/
                bucket: photos
                accessToken: user-jwt
                apiKey: anon-key
                cacheControl: "60"
                """);
        assertThat(s.endpoint()).isEqualTo(URI.create("http://127.0.0.1:54321/storage/v1/upload/resumable"));
        assertThat(s.headers()).containsEntry("Authorization", "Bearer user-jwt").containsEntry("apikey", "anon-key");
        assertThat(s.supabase().cacheControl()).isEqualTo("60");
        assertThat(s.authKeys()).isEqualTo("blobs.config.accessToken and blobs.config.apiKey");
    }

    @Test
    void supabasePresetErrorsNameTheKey() {
        String base = "preset: supabase-storage\nbucket: photos\naccessToken: k\n";
        failsAt("preset: supabase-storage\nbucket: photos\naccessToken: k\n", "blobs.config.projectRef")
                .hasMessageContaining("'blobs.config.projectRef' is missing");
        failsAt("preset: supabase-storage\nprojectRef: x\naccessToken: k\n", "blobs.config.bucket")
                .hasMessageContaining("'blobs.config.bucket' is missing; preset supabase-storage needs it");
        failsAt("preset: supabase-storage\nprojectRef: x\nbucket: photos\n", "blobs.config.accessToken")
                .hasMessageContaining("service key or a user's JWT");
        failsAt(base + "projectRef: x\nrequestPayloadSize: 8MiB\n", "blobs.config.requestPayloadSize")
                .hasMessageContaining("exactly 6MiB");
        failsAt(base + "projectRef: 'a b'\n", "blobs.config.projectRef").hasMessageContaining("host name");
        failsAt("preset: supabase-storage\nprojectRef: x\nbucket: photos\naccessToken: ${NOT_SET_ANYWHERE}\n",
                "blobs.config.accessToken").hasMessageContaining("${NOT_SET_ANYWHERE}, but that environment variable "
                + "is not set");
        failsAt(base + "projectRef: x\ncacheControl: soon\n", "blobs.config.cacheControl")
                .hasMessageContaining("seconds");
    }

    @Test
    void plainHeadersAndNameMetadataAreRead() {
        TusSettings s = settings("""
                endpoint: http://h/files/
                readUrl: "http://h/blobs/{sha256}"
                headers: {Authorization: "Bearer ${TUS_TOKEN}"}
                nameMetadata: objectName
                """);
        assertThat(s.headers()).containsEntry("Authorization", "Bearer tus-secret-456");
        assertThat(s.nameMetadata()).containsExactly("objectName");
        assertThat(s.toString()).doesNotContain("tus-secret-456");
        assertThat(s.authKeys()).isEqualTo("blobs.config.headers");
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

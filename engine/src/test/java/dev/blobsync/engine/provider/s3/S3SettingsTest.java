package dev.blobsync.engine.provider.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.blobsync.engine.config.ConfigException;
import dev.blobsync.engine.config.ProviderConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How each preset resolves endpoint, region, addressing and credentials, and what errors say. */
class S3SettingsTest {
    private static final Path FILE = Path.of("/home/a/blobsync.yaml");
    private static final Map<String, String> NO_ENV = Map.of();

    private static S3Settings resolve(Map<String, String> env, Object... keysAndValues) {
        Map<String, Object> options = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            options.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return S3Settings.from(new ProviderConfig("s3", options, "blobs", FILE), env);
    }

    @Test
    void awsS3UsesTheSdksEndpointForTheRegionAndVirtualHosts() {
        S3Settings s = resolve(NO_ENV, "bucket", "photos", "region", "eu-central-1");
        assertThat(s.preset()).isEqualTo(S3Preset.S3);
        assertThat(s.endpoint()).isNull();
        assertThat(s.region()).isEqualTo("eu-central-1");
        assertThat(s.pathStyle()).isFalse();
        assertThat(s.accessKeyId()).as("default credentials chain").isNull();
        assertThat(s.prefix()).isEmpty();
        assertThat(s.multipartThreshold()).isEqualTo(16L << 20);
        assertThat(s.partSize()).isEqualTo(8 << 20);
        assertThat(s.urlExpiry()).isEqualTo(Duration.ofHours(1));
        assertThat(s.sendMd5()).isTrue();
    }

    @Test
    void awsS3TakesTheRegionFromTheEnvironmentOrSaysItIsMissing() {
        assertThat(resolve(Map.of("AWS_REGION", "us-west-2"), "bucket", "photos").region()).isEqualTo("us-west-2");
        assertThat(resolve(Map.of("AWS_DEFAULT_REGION", "ap-south-1"), "bucket", "photos").region())
                .isEqualTo("ap-south-1");
        assertThatThrownBy(() -> resolve(NO_ENV, "bucket", "photos"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("/home/a/blobsync.yaml: 'blobs.config.region' is missing")
                .hasMessageContaining("AWS_REGION");
    }

    @Test
    void cloudflareR2BuildsItsEndpointFromTheAccountIdInRegionAuto() {
        S3Settings s = resolve(NO_ENV, "preset", "cloudflare-r2", "bucket", "photos", "accountId", "0123abcd");
        assertThat(s.endpoint()).isEqualTo(URI.create("https://0123abcd.r2.cloudflarestorage.com"));
        assertThat(s.region()).isEqualTo("auto");
        assertThat(s.pathStyle()).isTrue();
        assertThatThrownBy(() -> resolve(NO_ENV, "preset", "cloudflare-r2", "bucket", "photos"))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).keyPath()).isEqualTo("blobs.config.accountId"))
                .hasMessageContaining("account id in the Cloudflare dashboard");
        assertThatThrownBy(() -> resolve(NO_ENV, "preset", "cloudflare-r2", "bucket", "photos",
                "accountId", "evil.com/x"))
                .hasMessageContaining("cannot be part of a host name");
    }

    @Test
    void gcsUsesTheXmlApiInteroperabilityEndpointWithHmacKeys() {
        S3Settings s = resolve(NO_ENV, "preset", "gcs", "bucket", "photos", "accessKeyId", "GOOG1EXAMPLE",
                "secretAccessKey", "hmac-secret");
        assertThat(s.endpoint()).isEqualTo(URI.create("https://storage.googleapis.com"));
        assertThat(s.region()).isEqualTo("auto");
        assertThat(s.pathStyle()).isTrue();
        assertThat(s.accessKeyId()).isEqualTo("GOOG1EXAMPLE");
    }

    @Test
    void supabaseStorageUsesTheProjectsS3EndpointAndNeedsItsRegion() {
        S3Settings s = resolve(NO_ENV, "preset", "supabase-storage", "bucket", "photos", "projectRef", "abcdefghij",
                "region", "eu-central-1");
        assertThat(s.endpoint()).isEqualTo(URI.create("https://abcdefghij.storage.supabase.co/storage/v1/s3"));
        assertThat(s.pathStyle()).isTrue();
        assertThatThrownBy(() -> resolve(NO_ENV, "preset", "supabase-storage", "bucket", "photos",
                "projectRef", "abcdefghij"))
                .hasMessageContaining("'blobs.config.region' is missing; give your Supabase project's region");
    }

    @Test
    void minioNeedsItsEndpointAndDefaultsToPathStyleInUsEast1() {
        S3Settings s = resolve(NO_ENV, "preset", "minio", "bucket", "photos", "endpoint", "http://127.0.0.1:9000");
        assertThat(s.endpoint()).isEqualTo(URI.create("http://127.0.0.1:9000"));
        assertThat(s.region()).isEqualTo("us-east-1");
        assertThat(s.pathStyle()).isTrue();
        assertThatThrownBy(() -> resolve(NO_ENV, "preset", "minio", "bucket", "photos"))
                .hasMessageContaining("'blobs.config.endpoint' is missing; preset minio needs your server's URL");
    }

    @Test
    void explicitKeysWinOverThePreset() {
        S3Settings s = resolve(NO_ENV, "preset", "cloudflare-r2", "bucket", "photos", "endpoint",
                "https://eu.example.com", "region", "weur", "pathStyle", false, "prefix", "/family/photos");
        assertThat(s.endpoint()).isEqualTo(URI.create("https://eu.example.com"));
        assertThat(s.region()).isEqualTo("weur");
        assertThat(s.pathStyle()).isFalse();
        assertThat(s.prefix()).isEqualTo("family/photos/");
    }

    @Test
    void keysComeFromEnvironmentReferencesAndAreNeverShown() {
        S3Settings s = resolve(Map.of("R2_KEY", "AKIA123", "R2_SECRET", "s3cr3t-value"), "preset", "minio",
                "endpoint", "http://127.0.0.1:9000", "bucket", "photos",
                "accessKeyId", "${R2_KEY}", "secretAccessKey", "${R2_SECRET}");
        assertThat(s.accessKeyId()).isEqualTo("AKIA123");
        assertThat(s.secretAccessKey()).isEqualTo("s3cr3t-value");
        assertThat(s.toString()).doesNotContain("s3cr3t-value");
        assertThat(s.describe()).doesNotContain("s3cr3t-value").doesNotContain("AKIA123");
        assertThatThrownBy(() -> resolve(NO_ENV, "preset", "minio", "endpoint", "http://127.0.0.1:9000",
                "bucket", "photos", "accessKeyId", "${R2_KEY}", "secretAccessKey", "${R2_SECRET}"))
                .hasMessageContaining("'blobs.config.accessKeyId' refers to ${R2_KEY}, but that environment"
                        + " variable is not set");
        assertThatThrownBy(() -> resolve(NO_ENV, "bucket", "photos", "region", "x", "accessKeyId", "AKIA"))
                .hasMessageContaining("'blobs.config.secretAccessKey' is missing; give both");
    }

    @Test
    void badValuesNameTheirKey() {
        assertThatThrownBy(() -> resolve(NO_ENV, "preset", "dropbox", "bucket", "photos"))
                .hasMessageContaining("'blobs.config.preset' is 'dropbox'. Accepted: s3, cloudflare-r2, gcs,"
                        + " supabase-storage, minio.");
        assertThatThrownBy(() -> resolve(NO_ENV, "region", "x"))
                .hasMessageContaining("'blobs.config.bucket' is missing");
        assertThatThrownBy(() -> resolve(NO_ENV, "bucket", "Not_A Bucket", "region", "x"))
                .hasMessageContaining("is not a bucket name");
        assertThatThrownBy(() -> resolve(NO_ENV, "bucket", "photos", "region", "x", "partSize", "1MiB"))
                .hasMessageContaining("'blobs.config.partSize' is 1048576 bytes; use 5MiB");
        assertThatThrownBy(() -> resolve(NO_ENV, "bucket", "photos", "region", "x", "urlExpiry", "30d"))
                .hasMessageContaining("presigned URLs live from 1s to 7d");
        assertThatThrownBy(() -> resolve(NO_ENV, "bucket", "photos", "region", "x", "endpoint", "ftp://x"))
                .hasMessageContaining("which is not an http:// or https:// URL");
        assertThatThrownBy(() -> resolve(NO_ENV, "bucket", "photos", "region", "x", "checksum", "crc32"))
                .hasMessageContaining("Accepted: md5");
    }

    @Test
    void presignEndpointModeNeedsNoBucketOrKeys() {
        S3Settings s = resolve(Map.of("APP_TOKEN", "t0k"), "presignEndpoint", "https://app.example.com/api/presign",
                "presignToken", "${APP_TOKEN}");
        assertThat(s.direct()).isFalse();
        assertThat(s.presignToken()).isEqualTo("t0k");
        assertThat(s.describe()).isEqualTo("S3 through presign endpoint https://app.example.com/api/presign");
    }
}

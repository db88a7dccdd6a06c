package dev.blobsync.engine.provider.s3;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Named S3-compatible services ({@code blobs.config.preset}) and what each fills in when the
 * config leaves it out: the endpoint, the region and path-style addressing. An explicit
 * {@code endpoint}, {@code region} or {@code pathStyle} always wins.
 *
 * <p>Every preset sends Content-MD5 but none of the SDK's newer trailing checksums
 * ({@code aws-chunked} with {@code x-amz-checksum-crc32}), and signs each body whole rather
 * than as an {@code aws-chunked} stream: R2 rejected the trailers for a while, GCS's XML API and
 * S3Proxy do not know them, and Supabase's S3 protocol is young.
 */
enum S3Preset {
    /** AWS S3: the SDK finds the endpoint from the region; virtual-hosted addressing. */
    S3("s3", null, false),
    /** Cloudflare R2: {@code https://<accountId>.r2.cloudflarestorage.com}, region {@code auto}. */
    CLOUDFLARE_R2("cloudflare-r2", "auto", true),
    /** Google Cloud Storage through its XML API interoperability endpoint, with HMAC keys. */
    GCS("gcs", "auto", true),
    /** Supabase Storage's S3 protocol: {@code https://<projectRef>.storage.supabase.co/storage/v1/s3}. */
    SUPABASE_STORAGE("supabase-storage", null, true),
    /** MinIO (or any S3 server you run): give its {@code endpoint}; region {@code us-east-1}. */
    MINIO("minio", "us-east-1", true);

    private final String configName;
    private final String defaultRegion;
    private final boolean pathStyle;

    S3Preset(String configName, String defaultRegion, boolean pathStyle) {
        this.configName = configName;
        this.defaultRegion = defaultRegion;
        this.pathStyle = pathStyle;
    }

    String configName() {
        return configName;
    }

    /** The region this service always uses, or null when the user's account decides. */
    String defaultRegion() {
        return defaultRegion;
    }

    boolean pathStyle() {
        return pathStyle;
    }

    static Optional<S3Preset> byName(String name) {
        return Arrays.stream(values()).filter(p -> p.configName.equals(name.toLowerCase(Locale.ROOT))).findFirst();
    }

    static List<String> names() {
        return Arrays.stream(values()).map(S3Preset::configName).toList();
    }
}

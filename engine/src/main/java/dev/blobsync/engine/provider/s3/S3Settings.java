package dev.blobsync.engine.provider.s3;

import dev.blobsync.engine.config.ConfigException;
import dev.blobsync.engine.config.ProviderConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code s3} provider's settings, resolved from {@code blobs.config} and a preset. Every
 * problem is a {@link ConfigException} naming the file and key.
 *
 * <p>Credentials: {@code accessKeyId} and {@code secretAccessKey} (and {@code sessionToken})
 * from the config, where a value {@code ${NAME}} is read from environment variable NAME; without
 * them the AWS SDK's default chain applies ({@code AWS_ACCESS_KEY_ID}/{@code
 * AWS_SECRET_ACCESS_KEY}, {@code ~/.aws/credentials}, instance roles). Secrets never appear in
 * {@link #toString()} or {@link #describe()}.
 *
 * @param endpoint        null for AWS S3's own endpoints (found from the region)
 * @param prefix          "" or a key prefix ending in {@code /}
 * @param accessKeyId     null to use the SDK's default credentials chain
 * @param presignEndpoint non-null in presign-endpoint mode: the engine holds no credentials and
 *                        asks this HTTP endpoint for URLs instead
 */
record S3Settings(S3Preset preset, String bucket, String prefix, URI endpoint, String region,
                  boolean pathStyle, String accessKeyId, String secretAccessKey, String sessionToken,
                  long multipartThreshold, int partSize, int partConcurrency, boolean sendMd5,
                  Duration urlExpiry, URI presignEndpoint, String presignToken) {

    /** S3's smallest part (all but the last); parts and single PUTs are held in memory, hence our cap. */
    static final long MIN_PART = 5L << 20;
    static final long MAX_BUFFER = 512L << 20;
    static final int MAX_PARTS = 10_000;
    static final Duration MAX_URL_EXPIRY = Duration.ofDays(7);

    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.\\-_]{1,221}[a-z0-9]");
    private static final Pattern HOST_LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9\\-]{0,62}");

    static S3Settings from(ProviderConfig pc) {
        return from(pc, System.getenv());
    }

    /** Resolves {@code pc} with {@code env} as the environment (for ${NAME} and AWS_REGION). */
    static S3Settings from(ProviderConfig pc, Map<String, String> env) {
        S3Preset preset = pc.string("preset").map(name -> S3Preset.byName(name).orElseThrow(() ->
                error(pc, "preset", "'" + pc.optionPath("preset") + "' is '" + name + "'. Accepted: "
                        + String.join(", ", S3Preset.names()) + "."))).orElse(S3Preset.S3);
        URI presignEndpoint = pc.string("presignEndpoint").map(s -> uri(pc, "presignEndpoint", s)).orElse(null);
        String bucket = pc.string("bucket").orElse(null);
        if (bucket == null && presignEndpoint == null) {
            throw error(pc, "bucket", "'" + pc.optionPath("bucket") + "' is missing; provider s3 needs the"
                    + " bucket's name (or a presignEndpoint that hands out URLs).");
        }
        if (bucket != null && !BUCKET.matcher(bucket).matches()) {
            throw error(pc, "bucket", "'" + pc.optionPath("bucket") + "' is '" + bucket + "', which is not a"
                    + " bucket name (3 to 63 lower-case letters, digits, dots and dashes).");
        }
        URI endpoint = pc.string("endpoint").map(s -> uri(pc, "endpoint", s))
                .orElseGet(() -> presetEndpoint(pc, preset));
        String region = pc.string("region").or(() -> Optional.ofNullable(preset.defaultRegion()))
                .or(() -> preset == S3Preset.S3 ? envRegion(env) : Optional.empty())
                .or(() -> presignEndpoint != null ? Optional.of("auto") : Optional.empty())
                .orElseThrow(() -> error(pc, "region", "'" + pc.optionPath("region") + "' is missing; "
                        + (preset == S3Preset.SUPABASE_STORAGE
                        ? "give your Supabase project's region (Storage > S3 configuration), like eu-central-1."
                        : "give the bucket's region, like eu-central-1 (or set AWS_REGION).")));
        boolean pathStyle = pc.bool("pathStyle").orElse(preset.pathStyle());

        String accessKeyId = pc.string("accessKeyId").map(v -> expand(pc, "accessKeyId", v, env)).orElse(null);
        String secret = pc.string("secretAccessKey").map(v -> expand(pc, "secretAccessKey", v, env)).orElse(null);
        String sessionToken = pc.string("sessionToken").map(v -> expand(pc, "sessionToken", v, env)).orElse(null);
        if ((accessKeyId == null) != (secret == null)) {
            String missing = accessKeyId == null ? "accessKeyId" : "secretAccessKey";
            throw error(pc, missing, "'" + pc.optionPath(missing) + "' is missing; give both accessKeyId and"
                    + " secretAccessKey, or neither to use AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws.");
        }

        long partSize = pc.size("partSize").orElse(8L << 20);
        if (partSize < MIN_PART || partSize > MAX_BUFFER) {
            throw error(pc, "partSize", "'" + pc.optionPath("partSize") + "' is " + partSize + " bytes; use 5MiB"
                    + " (S3's smallest part) to 512MiB (each part in flight is held in memory), like 8MiB.");
        }
        long threshold = pc.size("multipartThreshold").orElse(16L << 20);
        if (threshold > MAX_BUFFER) {
            throw error(pc, "multipartThreshold", "'" + pc.optionPath("multipartThreshold") + "' is " + threshold
                    + " bytes; a blob below it is sent in one PUT from memory, so use at most 512MiB, like 16MiB.");
        }
        int concurrency = pc.count("partConcurrency").orElse(4);
        if (concurrency < 1 || concurrency > 32) {
            throw error(pc, "partConcurrency", "'" + pc.optionPath("partConcurrency") + "' is " + concurrency
                    + "; use 1 to 32 parts in flight per upload.");
        }
        String checksum = pc.string("checksum").orElse("md5").toLowerCase(Locale.ROOT);
        if (!checksum.equals("md5") && !checksum.equals("none")) {
            throw error(pc, "checksum", "'" + pc.optionPath("checksum") + "' is '" + checksum
                    + "'. Accepted: md5 (Content-MD5 on every PUT, checked by the server), none.");
        }
        Duration urlExpiry = pc.duration("urlExpiry").orElse(Duration.ofHours(1));
        if (urlExpiry.compareTo(Duration.ofSeconds(1)) < 0 || urlExpiry.compareTo(MAX_URL_EXPIRY) > 0) {
            throw error(pc, "urlExpiry", "'" + pc.optionPath("urlExpiry") + "' is " + urlExpiry
                    + "; presigned URLs live from 1s to 7d, like 1h.");
        }
        String presignToken = pc.string("presignToken").map(v -> expand(pc, "presignToken", v, env)).orElse(null);
        return new S3Settings(preset, bucket, normalizePrefix(pc.string("prefix").orElse("")), endpoint, region,
                pathStyle, accessKeyId, secret, sessionToken, threshold, (int) partSize,
                concurrency, checksum.equals("md5"), urlExpiry, presignEndpoint, presignToken);
    }

    private static URI presetEndpoint(ProviderConfig pc, S3Preset preset) {
        return switch (preset) {
            case S3 -> null;
            case GCS -> URI.create("https://storage.googleapis.com");
            case CLOUDFLARE_R2 -> URI.create("https://" + hostLabel(pc, "accountId", preset)
                    + ".r2.cloudflarestorage.com");
            case SUPABASE_STORAGE -> URI.create("https://" + hostLabel(pc, "projectRef", preset)
                    + ".storage.supabase.co/storage/v1/s3");
            case MINIO -> throw error(pc, "endpoint", "'" + pc.optionPath("endpoint") + "' is missing; preset"
                    + " minio needs your server's URL, like http://127.0.0.1:9000.");
        };
    }

    private static String hostLabel(ProviderConfig pc, String key, S3Preset preset) {
        String value = pc.string(key).orElseThrow(() -> error(pc, key, "'" + pc.optionPath(key)
                + "' is missing; preset " + preset.configName() + " builds its endpoint from it"
                + (preset == S3Preset.CLOUDFLARE_R2 ? " (the account id in the Cloudflare dashboard)"
                : " (the project reference, as in https://<projectRef>.supabase.co)")
                + ". Or give the endpoint itself."));
        if (!HOST_LABEL.matcher(value).matches()) {
            throw error(pc, key, "'" + pc.optionPath(key) + "' is '" + value + "', which cannot be part of a"
                    + " host name (letters, digits and dashes only).");
        }
        return value;
    }

    private static Optional<String> envRegion(Map<String, String> env) {
        return Optional.ofNullable(env.get("AWS_REGION")).or(() -> Optional.ofNullable(env.get("AWS_DEFAULT_REGION")))
                .filter(r -> !r.isBlank());
    }

    private static URI uri(ProviderConfig pc, String key, String text) {
        try {
            URI uri = new URI(text);
            if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                throw new URISyntaxException(text, "not an http(s) URL with a host");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw error(pc, key, "'" + pc.optionPath(key) + "' is '" + text + "', which is not an http:// or"
                    + " https:// URL.");
        }
    }

    /** Replaces {@code ${NAME}} references by environment variables; never shows the value. */
    private static String expand(ProviderConfig pc, String key, String value, Map<String, String> env) {
        Matcher m = ENV_REFERENCE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String got = env.get(m.group(1));
            if (got == null || got.isEmpty()) {
                throw error(pc, key, "'" + pc.optionPath(key) + "' refers to ${" + m.group(1)
                        + "}, but that environment variable is not set.");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(got));
        }
        m.appendTail(out);
        return out.toString();
    }

    static String normalizePrefix(String prefix) {
        String p = prefix.strip();
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        return p.isEmpty() || p.endsWith("/") ? p : p + "/";
    }

    private static ConfigException error(ProviderConfig pc, String key, String message) {
        return new ConfigException(pc.source(), pc.optionPath(key), message);
    }

    /** True when the engine signs requests itself (not in presign-endpoint mode). */
    boolean direct() {
        return presignEndpoint == null;
    }

    /** For messages: bucket, prefix and endpoint, never credentials. */
    String describe() {
        if (!direct()) {
            return "S3 through presign endpoint " + presignEndpoint;
        }
        return "S3 bucket '" + bucket + "'" + (prefix.isEmpty() ? "" : " (prefix " + prefix + ")") + " at "
                + (endpoint == null ? "AWS region " + region : endpoint.toString());
    }

    @Override
    public String toString() {
        return "S3Settings[" + describe() + ", preset=" + preset.configName() + ", region=" + region
                + ", pathStyle=" + pathStyle + ", credentials=" + (accessKeyId == null ? "default chain" : "from config")
                + ", multipartThreshold=" + multipartThreshold + ", partSize=" + partSize + "]";
    }
}

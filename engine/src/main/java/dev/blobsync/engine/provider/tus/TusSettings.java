package dev.blobsync.engine.provider.tus;

import dev.blobsync.engine.config.ConfigException;
import dev.blobsync.engine.config.ProviderConfig;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The options of the {@code tus} blob provider, as given under {@code blobs.config}, resolved
 * for one of two kinds of server: a plain tus server (tusd, @tus/server) whose read side the
 * user names with {@code readUrl}, or Supabase Storage's resumable endpoint ({@code preset:
 * supabase-storage}), whose read side is Supabase's object API. Secrets ({@code accessToken},
 * {@code apiKey}, header values, each possibly {@code ${NAME}}) end up in {@link #headers};
 * {@link #toString()} never shows them.
 *
 * @param endpoint           the tus creation URL (uploads are created by a POST to it)
 * @param readUrl            where a completed blob is served, with {@code {sha256}} in place of
 *                           its key (for Supabase, the authenticated object URL)
 * @param headers            headers sent with every request (authentication)
 * @param requestPayloadSize the most bytes sent in one PATCH request
 * @param exactPayloads      whether every PATCH but the last must carry exactly
 *                           {@code requestPayloadSize} bytes (Supabase's 6 MiB rule)
 * @param timeout            the connect timeout, and how long a request may take until its
 *                           response starts
 * @param nameMetadata       the {@code Upload-Metadata} keys that carry the object name
 * @param supabase           the Supabase object API, or null for a plain tus server
 * @param authKeys           the config keys to check when the server answers 401 or 403
 */
public record TusSettings(URI endpoint, String readUrl, Map<String, String> headers, long requestPayloadSize,
                          boolean exactPayloads, Duration timeout, List<String> nameMetadata, Supabase supabase,
                          String authKeys) {
    /** The key placeholder in {@link #readUrl}. */
    public static final String KEY = "{sha256}";
    public static final long DEFAULT_REQUEST_PAYLOAD_SIZE = 8L << 20;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    /** The metadata keys a plain server is sent the object name in, unless configured. */
    public static final List<String> DEFAULT_NAME_METADATA = List.of("sha256", "filename", "objectName");
    /** Supabase accepts only chunks of exactly this size, but for the last one. */
    public static final long SUPABASE_CHUNK = 6L << 20;
    static final String SUPABASE_PRESET = "supabase-storage";

    private static final Pattern HOST_LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9\\-]{0,62}");
    private static final Pattern BUCKET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._\\-]{0,99}");
    private static final Pattern PREFIX = Pattern.compile("([A-Za-z0-9._\\-]+/)*");
    private static final Pattern METADATA_KEY = Pattern.compile("[A-Za-z0-9_.\\-]+");

    /**
     * Supabase Storage's object API beside its resumable endpoint.
     *
     * @param storageUrl   the storage API root, like {@code https://ref.storage.supabase.co/storage/v1}
     * @param bucket       the bucket blobs go to
     * @param prefix       "" or an object-name prefix ending in {@code /}
     * @param cacheControl the {@code cacheControl} metadata (seconds a CDN may cache an object)
     */
    public record Supabase(URI storageUrl, String bucket, String prefix, String cacheControl) {
        public Supabase {
            Objects.requireNonNull(storageUrl, "storageUrl");
            Objects.requireNonNull(bucket, "bucket");
            Objects.requireNonNull(prefix, "prefix");
            Objects.requireNonNull(cacheControl, "cacheControl");
        }

        /** The object name of blob {@code key}. */
        public String objectName(String key) {
            return prefix + key;
        }

        /** Where blob {@code key} is deleted (DELETE). */
        URI deleteUrl(String key) {
            return URI.create(storageUrl + "/object/" + bucket + "/" + objectName(key));
        }

        /** Where a signed URL for blob {@code key} is asked for (POST). */
        URI signUrl(String key) {
            return URI.create(storageUrl + "/object/sign/" + bucket + "/" + objectName(key));
        }
    }

    public TusSettings {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(readUrl, "readUrl");
        Objects.requireNonNull(authKeys, "authKeys");
        headers = Map.copyOf(headers);
        nameMetadata = List.copyOf(nameMetadata);
        if (!readUrl.contains(KEY)) {
            throw new IllegalArgumentException("readUrl " + readUrl + " has no " + KEY);
        }
        if (requestPayloadSize < 1) {
            throw new IllegalArgumentException("requestPayloadSize " + requestPayloadSize + " is below 1 byte");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout " + timeout + " is not positive");
        }
    }

    /** Settings for a plain tus server with the defaults for everything but the two URLs. */
    public static TusSettings of(URI endpoint, String readUrl) {
        return new TusSettings(endpoint, readUrl, Map.of(), DEFAULT_REQUEST_PAYLOAD_SIZE, false, DEFAULT_TIMEOUT,
                DEFAULT_NAME_METADATA, null, "blobs.config.headers");
    }

    /**
     * Settings for Supabase Storage at {@code projectUrl} (like {@code https://ref.supabase.co},
     * or a self-hosted {@code http://127.0.0.1:54321}) with one key as both bearer token and
     * {@code apikey}.
     */
    public static TusSettings supabase(URI projectUrl, String bucket, String prefix, String key) {
        return supabase(projectUrl, bucket, prefix, key, key, DEFAULT_TIMEOUT);
    }

    private static TusSettings supabase(URI projectUrl, String bucket, String prefix, String accessToken,
                                        String apiKey, Duration timeout) {
        String root = stripSlash(projectUrl.toString());
        if (root.endsWith("/storage/v1/upload/resumable")) {
            root = root.substring(0, root.length() - "/storage/v1/upload/resumable".length());
        }
        URI storage = URI.create(root + "/storage/v1");
        Supabase s = new Supabase(storage, bucket, prefix, "3600");
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + accessToken);
        headers.put("apikey", apiKey);
        return new TusSettings(URI.create(storage + "/upload/resumable"),
                storage + "/object/authenticated/" + bucket + "/" + prefix + KEY, headers, SUPABASE_CHUNK, true,
                timeout, List.of(), s, "blobs.config.accessToken and blobs.config.apiKey");
    }

    /** Reads {@code blobs.config}; {@link ConfigException} names the file and the key at fault. */
    public static TusSettings from(ProviderConfig pc) {
        return from(pc, System.getenv());
    }

    /** Reads {@code blobs.config} with {@code env} as the environment for {@code ${NAME}} values. */
    public static TusSettings from(ProviderConfig pc, Map<String, String> env) {
        String preset = pc.string("preset").map(p -> p.toLowerCase(Locale.ROOT)).orElse("tus");
        long payload = pc.size("requestPayloadSize").orElse(DEFAULT_REQUEST_PAYLOAD_SIZE);
        if (payload < 1024) {
            throw error(pc, "requestPayloadSize", "'" + pc.optionPath("requestPayloadSize") + "' is " + payload
                    + " bytes; use at least 1KiB, like 4MiB.");
        }
        Duration timeout = pc.duration("timeout").orElse(DEFAULT_TIMEOUT);
        if (timeout.toMillis() < 100) {
            throw error(pc, "timeout", "'" + pc.optionPath("timeout") + "' is " + timeout.toMillis()
                    + "ms; use at least 100ms, like 30s.");
        }
        return switch (preset) {
            case "tus" -> plain(pc, env, payload, timeout);
            case SUPABASE_PRESET -> supabase(pc, env, timeout);
            default -> throw error(pc, "preset", "'" + pc.optionPath("preset") + "' is '" + preset
                    + "'. Accepted: tus (any tus server; the default), " + SUPABASE_PRESET + ".");
        };
    }

    private static TusSettings plain(ProviderConfig pc, Map<String, String> env, long payload, Duration timeout) {
        for (String key : List.of("projectRef", "bucket", "prefix", "accessToken", "apiKey", "cacheControl")) {
            if (pc.options().get(key) != null) {
                throw error(pc, key, "'" + pc.optionPath(key) + "' belongs to preset " + SUPABASE_PRESET
                        + "; set 'blobs.config.preset: " + SUPABASE_PRESET + "' or remove it.");
            }
        }
        URI endpoint = pc.url("endpoint").orElseThrow(() -> missing(pc, "endpoint", "tus"));
        String readUrl = pc.urlTemplate("readUrl", KEY).orElseThrow(() -> missing(pc, "readUrl", "tus"));
        List<String> names = pc.textList("nameMetadata").orElse(DEFAULT_NAME_METADATA);
        for (int i = 0; i < names.size(); i++) {
            if (!METADATA_KEY.matcher(names.get(i)).matches()) {
                throw error(pc, "nameMetadata", "'" + pc.optionPath("nameMetadata") + "[" + i + "]' is '"
                        + names.get(i) + "'; a metadata key has letters, digits, '.', '_' and '-' only.");
            }
        }
        Map<String, String> headers = new LinkedHashMap<>();
        pc.httpHeaders("headers").forEach((name, value) ->
                headers.put(name, pc.expandEnv("headers." + name, value, env)));
        return new TusSettings(endpoint, readUrl, headers, payload, false, timeout, names, null,
                pc.optionPath("headers"));
    }

    private static TusSettings supabase(ProviderConfig pc, Map<String, String> env, Duration timeout) {
        for (String key : List.of("readUrl", "headers", "nameMetadata", "requestPayloadSize")) {
            if (pc.options().get(key) != null) {
                throw error(pc, key, "'" + pc.optionPath(key) + "' cannot be set with preset " + SUPABASE_PRESET
                        + ": " + (key.equals("requestPayloadSize") ? "Supabase takes chunks of exactly 6MiB"
                        : "Supabase's object API and metadata are fixed") + ". Remove it.");
            }
        }
        URI projectUrl = pc.url("endpoint").orElseGet(() -> {
            String ref = pc.string("projectRef").orElseThrow(() -> error(pc, "projectRef", "'"
                    + pc.optionPath("projectRef") + "' is missing; preset " + SUPABASE_PRESET + " builds its "
                    + "endpoint from it (the project reference, as in https://<projectRef>.supabase.co). Or give "
                    + "the endpoint of a self-hosted Supabase, like http://127.0.0.1:54321."));
            if (!HOST_LABEL.matcher(ref).matches()) {
                throw error(pc, "projectRef", "'" + pc.optionPath("projectRef") + "' is '" + ref + "', which cannot "
                        + "be part of a host name (letters, digits and dashes only).");
            }
            return URI.create("https://" + ref + ".storage.supabase.co");
        });
        String bucket = pc.string("bucket").orElseThrow(() -> missing(pc, "bucket", SUPABASE_PRESET));
        if (!BUCKET.matcher(bucket).matches()) {
            throw error(pc, "bucket", "'" + pc.optionPath("bucket") + "' is '" + bucket + "', which is not a bucket "
                    + "name (letters, digits, '.', '_' and '-').");
        }
        String prefix = normalizePrefix(pc.string("prefix").orElse(""));
        if (!PREFIX.matcher(prefix).matches()) {
            throw error(pc, "prefix", "'" + pc.optionPath("prefix") + "' is '" + prefix + "'; use folder names of "
                    + "letters, digits, '.', '_' and '-', like blobs/.");
        }
        String token = pc.string("accessToken").map(v -> pc.expandEnv("accessToken", v, env))
                .orElseThrow(() -> error(pc, "accessToken", "'" + pc.optionPath("accessToken") + "' is missing; "
                        + "give the service key or a user's JWT, like ${SUPABASE_SERVICE_KEY}."));
        String apiKey = pc.string("apiKey").map(v -> pc.expandEnv("apiKey", v, env)).orElse(token);
        String cacheControl = pc.string("cacheControl").orElse("3600");
        if (!cacheControl.matches("\\d{1,9}")) {
            throw error(pc, "cacheControl", "'" + pc.optionPath("cacheControl") + "' is '" + cacheControl
                    + "'; give the seconds a CDN may cache an object, like 3600.");
        }
        TusSettings s = supabase(projectUrl, bucket, prefix, token, apiKey, timeout);
        return new TusSettings(s.endpoint(), s.readUrl(), s.headers(), s.requestPayloadSize(), true, timeout,
                List.of(), new Supabase(s.supabase().storageUrl(), bucket, prefix, cacheControl),
                pc.optionPath("accessToken") + " and " + pc.optionPath("apiKey"));
    }

    private static String normalizePrefix(String prefix) {
        String p = prefix.strip();
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        return p.isEmpty() || p.endsWith("/") ? p : p + "/";
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static ConfigException missing(ProviderConfig pc, String key, String preset) {
        return error(pc, key, "'" + pc.optionPath(key) + "' is missing; " + (preset.equals("tus")
                ? "provider tus needs it." : "preset " + preset + " needs it."));
    }

    private static ConfigException error(ProviderConfig pc, String key, String message) {
        return new ConfigException(pc.source(), pc.optionPath(key), message);
    }

    /** These settings with {@code headers} sent on every request. */
    public TusSettings withHeaders(Map<String, String> headers) {
        return new TusSettings(endpoint, readUrl, headers, requestPayloadSize, exactPayloads, timeout, nameMetadata,
                supabase, authKeys);
    }

    /** These settings with at most {@code bytes} per PATCH (exactly that many, with exact payloads). */
    public TusSettings withRequestPayloadSize(long bytes) {
        return new TusSettings(endpoint, readUrl, headers, bytes, exactPayloads, timeout, nameMetadata, supabase,
                authKeys);
    }

    /** These settings with {@code timeout} for connecting and for each response to start. */
    public TusSettings withTimeout(Duration timeout) {
        return new TusSettings(endpoint, readUrl, headers, requestPayloadSize, exactPayloads, timeout, nameMetadata,
                supabase, authKeys);
    }

    /** The URL blob {@code key} is served at. */
    public URI blobUrl(String key) {
        return URI.create(readUrl.replace(KEY, key));
    }

    /** For messages: the endpoint and bucket, never a header value. */
    public String describe() {
        return supabase == null ? "tus server " + endpoint
                : "Supabase Storage bucket '" + supabase.bucket() + "' at " + supabase.storageUrl();
    }

    @Override
    public String toString() {
        return "TusSettings[" + describe() + ", readUrl=" + readUrl + ", headers=" + headers.keySet()
                + ", requestPayloadSize=" + requestPayloadSize + ", exactPayloads=" + exactPayloads + ", timeout="
                + timeout + ", nameMetadata=" + nameMetadata + "]";
    }
}

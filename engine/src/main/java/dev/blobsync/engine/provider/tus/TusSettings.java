package dev.blobsync.engine.provider.tus;

import dev.blobsync.engine.config.ConfigException;
import dev.blobsync.engine.config.ProviderConfig;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The options of the {@code tus} blob provider, as given under {@code blobs.config}.
 *
 * @param endpoint           the tus creation URL (uploads are created by a POST to it)
 * @param readUrl            where the server serves a completed blob, with {@code {sha256}} in
 *                           place of its key
 * @param headers            extra headers sent with every request (authentication)
 * @param requestPayloadSize the most bytes sent in one PATCH request
 * @param timeout            the connect timeout, and how long a request may take until its
 *                           response starts
 */
public record TusSettings(URI endpoint, String readUrl, Map<String, String> headers, long requestPayloadSize,
                          Duration timeout) {
    /** The key placeholder in {@link #readUrl}. */
    public static final String KEY = "{sha256}";
    public static final long DEFAULT_REQUEST_PAYLOAD_SIZE = 8L << 20;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    public TusSettings {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(readUrl, "readUrl");
        headers = Map.copyOf(headers);
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

    /** Settings with the defaults for everything but the two URLs. */
    public static TusSettings of(URI endpoint, String readUrl) {
        return new TusSettings(endpoint, readUrl, Map.of(), DEFAULT_REQUEST_PAYLOAD_SIZE, DEFAULT_TIMEOUT);
    }

    /** Reads {@code blobs.config}; {@link ConfigException} names the file and the key at fault. */
    public static TusSettings from(ProviderConfig pc) {
        URI endpoint = pc.url("endpoint").orElseThrow(() -> missing(pc, "endpoint"));
        String readUrl = pc.urlTemplate("readUrl", KEY).orElseThrow(() -> missing(pc, "readUrl"));
        long payload = pc.size("requestPayloadSize").orElse(DEFAULT_REQUEST_PAYLOAD_SIZE);
        if (payload < 1024) {
            throw new ConfigException(pc.source(), pc.optionPath("requestPayloadSize"), "'"
                    + pc.optionPath("requestPayloadSize") + "' is " + payload + " bytes; use at least 1KiB, "
                    + "like 4MiB.");
        }
        Duration timeout = pc.duration("timeout").orElse(DEFAULT_TIMEOUT);
        if (timeout.toMillis() < 100) {
            throw new ConfigException(pc.source(), pc.optionPath("timeout"), "'" + pc.optionPath("timeout")
                    + "' is " + timeout.toMillis() + "ms; use at least 100ms, like 30s.");
        }
        return new TusSettings(endpoint, readUrl, pc.httpHeaders("headers"), payload, timeout);
    }

    private static ConfigException missing(ProviderConfig pc, String key) {
        return new ConfigException(pc.source(), pc.optionPath(key), "'" + pc.optionPath(key)
                + "' is missing; provider tus needs it.");
    }

    /** The URL blob {@code key} is served at. */
    public URI blobUrl(String key) {
        return URI.create(readUrl.replace(KEY, key));
    }
}

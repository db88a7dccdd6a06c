package dev.blobsync.engine.config;

import java.util.Objects;

/**
 * Whether and how blobs are fetched before they are read ({@code cache.prefetch}).
 *
 * @param enabled  whether prefetching happens at all
 * @param strategy {@code visible} (blobs of records a front end shows) or {@code none}
 */
public record PrefetchConfig(boolean enabled, String strategy) {
    public static final String VISIBLE = "visible";
    public static final String NONE = "none";

    public PrefetchConfig {
        Objects.requireNonNull(strategy, "strategy");
    }

    /** Enabled, strategy {@code visible}. */
    public static PrefetchConfig defaults() {
        return new PrefetchConfig(true, VISIBLE);
    }
}

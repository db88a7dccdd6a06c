package dev.blobsync.engine.config;

import java.util.Locale;

/** How the wait between retries grows ({@code offline.retryStrategy.backoff}). */
public enum Backoff {
    /** Doubles after each attempt, up to the maximum delay. */
    EXPONENTIAL,
    /** Grows by the initial delay after each attempt, up to the maximum delay. */
    LINEAR,
    /** Always the initial delay. */
    FIXED;

    /** The value as written in configuration: {@code exponential}, {@code linear}, {@code fixed}. */
    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}

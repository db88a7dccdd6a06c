package dev.blobsync.engine.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The sync loop ({@code sync}, blobsync's own section, not in the RFC).
 *
 * @param pollInterval how often remote changes are pulled when the provider gives no signal
 */
public record SyncConfig(Duration pollInterval) {

    public SyncConfig {
        Objects.requireNonNull(pollInterval, "pollInterval");
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("pollInterval must be positive: " + pollInterval);
        }
    }

    /** Poll every second. */
    public static SyncConfig defaults() {
        return new SyncConfig(Duration.ofSeconds(1));
    }
}

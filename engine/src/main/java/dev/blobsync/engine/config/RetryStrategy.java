package dev.blobsync.engine.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How failed uploads and pushes are retried ({@code offline.retryStrategy}). After
 * {@code maxAttempts} the item is kept and marked failed, never dropped.
 *
 * @param maxAttempts  attempts before an item is marked failed, at least 1
 * @param backoff      how the delay grows
 * @param initialDelay the delay after the first failure
 * @param maxDelay     the longest delay, at least {@code initialDelay}
 */
public record RetryStrategy(int maxAttempts, Backoff backoff, Duration initialDelay,
                            Duration maxDelay) {

    public RetryStrategy {
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
        }
        if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("need 0 <= initialDelay <= maxDelay: "
                    + initialDelay + ", " + maxDelay);
        }
    }

    /** 5 attempts, exponential, from 1 second up to 5 minutes. */
    public static RetryStrategy defaults() {
        return new RetryStrategy(5, Backoff.EXPONENTIAL, Duration.ofSeconds(1), Duration.ofMinutes(5));
    }
}

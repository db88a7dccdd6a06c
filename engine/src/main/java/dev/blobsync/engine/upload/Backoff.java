package dev.blobsync.engine.upload;

import dev.blobsync.engine.config.RetryStrategy;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Retry delays per {@code offline.retryStrategy}: exponential (or linear, or fixed) growth
 * capped at {@code maxDelay}, with full jitter so that many clients coming back at once do not
 * retry in step.
 */
public final class Backoff {
    private Backoff() {
    }

    /** The delay before attempt {@code attempt + 1}, after {@code attempt} failures (≥ 1). */
    public static Duration delay(RetryStrategy s, int attempt, RandomGenerator random) {
        long initial = s.initialDelay().toMillis();
        long max = s.maxDelay().toMillis();
        long cap = switch (s.backoff()) {
            case EXPONENTIAL -> attempt >= 40 ? max : Math.min(max, initial << Math.max(0, attempt - 1));
            case LINEAR -> Math.min(max, initial * Math.max(1, attempt));
            case FIXED -> Math.min(max, initial);
        };
        if (cap <= 0) {
            return Duration.ZERO;
        }
        return Duration.ofMillis(random.nextLong(cap + 1));
    }
}

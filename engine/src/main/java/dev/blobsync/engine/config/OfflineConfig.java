package dev.blobsync.engine.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Offline behaviour ({@code offline}).
 *
 * @param queueMutations     keep record changes made offline and push them later
 * @param queueUploads       keep blobs written offline and upload them later
 * @param resumableUploads   continue interrupted uploads where they stopped
 * @param maxQueueSize       the most bytes of blobs waiting for upload
 * @param conflictResolution how conflicting changes are settled
 * @param retryStrategy      how failed pushes and uploads are retried
 * @param uploadConcurrency  how many blobs upload at once
 * @param uploadDelay        how long a new blob waits before its upload starts, so that a
 *                           burst of saves to one file uploads only the last version
 */
public record OfflineConfig(boolean queueMutations, boolean queueUploads, boolean resumableUploads,
                            long maxQueueSize, ConflictResolution conflictResolution,
                            RetryStrategy retryStrategy, int uploadConcurrency, Duration uploadDelay) {

    public OfflineConfig {
        Objects.requireNonNull(conflictResolution, "conflictResolution");
        Objects.requireNonNull(retryStrategy, "retryStrategy");
        Objects.requireNonNull(uploadDelay, "uploadDelay");
        if (uploadConcurrency < 1) {
            throw new IllegalArgumentException("uploadConcurrency must be at least 1: " + uploadConcurrency);
        }
        if (maxQueueSize <= 0) {
            throw new IllegalArgumentException("maxQueueSize must be positive: " + maxQueueSize);
        }
    }

    /**
     * Everything queued and resumable, 1 GB of queue, last write wins, default retries, two
     * uploads at once after a one-second delay.
     */
    public static OfflineConfig defaults() {
        return new OfflineConfig(true, true, true, 1_000_000_000L,
                ConflictResolution.LAST_WRITE_WINS, RetryStrategy.defaults(), 2, Duration.ofSeconds(1));
    }
}

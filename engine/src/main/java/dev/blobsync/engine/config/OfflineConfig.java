package dev.blobsync.engine.config;

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
 */
public record OfflineConfig(boolean queueMutations, boolean queueUploads, boolean resumableUploads,
                            long maxQueueSize, ConflictResolution conflictResolution,
                            RetryStrategy retryStrategy) {

    public OfflineConfig {
        Objects.requireNonNull(conflictResolution, "conflictResolution");
        Objects.requireNonNull(retryStrategy, "retryStrategy");
        if (maxQueueSize <= 0) {
            throw new IllegalArgumentException("maxQueueSize must be positive: " + maxQueueSize);
        }
    }

    /** Everything queued and resumable, 1 GB of queue, last write wins, default retries. */
    public static OfflineConfig defaults() {
        return new OfflineConfig(true, true, true, 1_000_000_000L,
                ConflictResolution.LAST_WRITE_WINS, RetryStrategy.defaults());
    }
}

package dev.blobsync.engine.store;

/**
 * One queued upload. {@code token} is the provider's resumable session, kept so a restart
 * continues the session instead of starting again.
 */
public record UploadRow(String sha256, long size, String token, int attempts, String lastError,
                        long nextAttemptAt, long createdAt) {

    /** True when it used up its attempts: it waits for a flush or the provider coming back. */
    public boolean gaveUp() {
        return nextAttemptAt == Long.MAX_VALUE;
    }
}

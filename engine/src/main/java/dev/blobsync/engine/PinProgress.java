package dev.blobsync.engine;

/**
 * How far the cache is from holding every pinned blob: what a front end shows while a pin fills
 * the cache.
 *
 * @param blobs       pinned blobs known to this engine
 * @param bytes       their total size
 * @param cachedBytes how much of that is cached
 * @param waiting     pinned blobs not cached yet whose fetch is queued or under way
 * @param failed      pinned blobs whose last fetch failed (retried when a provider comes back online)
 * @param lastError   why the last of those failed, in words; {@code null} when none did
 */
public record PinProgress(int blobs, long bytes, long cachedBytes, int waiting, int failed, String lastError) {

    /** True when no fetch of a pinned blob is queued or under way. */
    public boolean settled() {
        return waiting == 0;
    }
}

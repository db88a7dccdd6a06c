package dev.blobsync.engine.event;

/**
 * The cache passed {@code cache.warningThreshold} of {@code cache.maxSize}; old, unpinned blobs
 * will be removed to make room.
 */
public record CacheWarning(long used, long available) implements EngineEvent {
}

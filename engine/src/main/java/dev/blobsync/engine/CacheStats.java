package dev.blobsync.engine;

/**
 * The local cache at a glance, as the RFC's {@code cache.stats()}.
 *
 * @param used      bytes of blobs held (whole or in part)
 * @param available bytes that may still be cached before eviction starts
 * @param items     blobs held
 * @param pending   uploads queued
 * @param maxSize   {@code cache.maxSize}
 * @param pinned    bytes of pinned ({@code high}) blobs held
 */
public record CacheStats(long used, long available, long items, long pending, long maxSize, long pinned) {
}

package dev.blobsync.engine.spi;

import java.util.List;

/**
 * One page of the change feed.
 *
 * @param changes changed records in feed order
 * @param cursor  pass this to the next {@code changesSince}; opaque text only its provider reads
 *                (a revision, a snapshot position, a shape offset, a checkpoint)
 * @param hasMore true when more changes are waiting
 */
public record ChangePage(List<RemoteRecord> changes, String cursor, boolean hasMore) {
}

package dev.blobsync.engine;

import java.util.List;

/**
 * The outcome of a flush.
 *
 * @param complete true when nothing valid was left to sync
 * @param left     what is still queued (with its error, if any) when not complete
 */
public record FlushResult(boolean complete, List<PendingItem> left) {
}

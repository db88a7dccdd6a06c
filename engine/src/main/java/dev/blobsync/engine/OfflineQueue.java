package dev.blobsync.engine;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * What waits to be synced: blob uploads and record changes. Nothing in it is ever dropped; an
 * item that keeps failing shows state {@code error} and is retried on {@link #flush} and when
 * its provider comes back.
 */
public interface OfflineQueue {

    /** Every queued upload and record change, uploads first, oldest first. */
    List<PendingItem> pending();

    /** The queued upload of blob {@code sha256} (state, progress, error), if it is queued. */
    java.util.Optional<PendingItem> upload(String sha256);

    /** Counts and bytes, cheap enough to call often. */
    QueueStats stats();

    /**
     * Retries everything now (also items in state error) and waits until nothing is left to
     * push or {@code timeout} passes, reporting progress to {@code progress} now and then.
     */
    FlushResult flush(Duration timeout, Consumer<QueueStats> progress);
}

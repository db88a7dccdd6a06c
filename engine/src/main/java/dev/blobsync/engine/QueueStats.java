package dev.blobsync.engine;

/**
 * A summary of the offline queue.
 *
 * @param uploads       blobs waiting to be uploaded for a queued record change or draft
 * @param uploadBytes   their total size
 * @param sentBytes     bytes of them already at the provider (in-flight uploads)
 * @param changes       record changes waiting to be pushed (drafts not counted)
 * @param drafts        drafts kept on this device
 * @param errors        items whose last attempt failed
 * @param queuedBytes   what {@code offline.maxQueueSize} limits: the bytes of the queued uploads
 *                      ({@code uploadBytes}); versions an editor replaced are not counted
 * @param maxQueueSize  {@code offline.maxQueueSize}
 * @param blobsOnline   whether the blob provider answered the last call
 * @param dataOnline    whether the data provider answered the last call
 * @param conflicts     record changes held until a conflict is settled by a choice (policy
 *                      {@code manual}); not counted in {@code changes}, as they cannot be pushed
 */
public record QueueStats(int uploads, long uploadBytes, long sentBytes, int changes, int drafts, int errors,
                         long queuedBytes, long maxQueueSize, boolean blobsOnline, boolean dataOnline,
                         int conflicts) {

    /** True when nothing valid is left to sync. */
    public boolean empty() {
        return uploads == 0 && changes == 0;
    }

    /** Bytes that may still be queued before writes fail with {@link QuotaExceededException}. */
    public long room() {
        return Math.max(0, maxQueueSize - queuedBytes);
    }
}

package dev.blobsync.engine;

/** Where a blob stands on this device; shown as {@code user.blobsync.state}. */
public enum BlobState {
    /** Whole and verified in the local cache, and uploaded. */
    CACHED,
    /** Only part of it is in the local cache. */
    PARTIAL,
    /** Not in the local cache; fetched on first read. */
    REMOTE,
    /** Written locally, waiting to be uploaded. */
    QUEUED,
    /** Being uploaded now. */
    UPLOADING,
    /** Uploading failed; kept and retried. */
    ERROR;

    /** The lower-case name shown to users. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

package dev.blobsync.engine;

/** Where a record stands between this device and the data provider. */
public enum RecordState {
    /** Kept locally only: not yet valid (a required field is missing), so it is not pushed. */
    DRAFT,
    /** Valid local changes wait to be pushed (possibly waiting for a blob upload first). */
    QUEUED,
    /** The provider has acknowledged every local change. */
    SYNCED,
    /** Pushing failed; the change is kept and retried, {@link Record#error()} says why. */
    ERROR,
    /**
     * Another device changed the same fields (policy {@code manual}): this device's version is
     * shown and the other is kept, until {@link SyncEngine#resolveConflict} settles it.
     */
    CONFLICT
}

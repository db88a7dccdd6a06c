package dev.blobsync.engine;

/** How an open conflict is settled ({@link SyncEngine#resolveConflict}). */
public enum ConflictChoice {
    /** This device's version wins: it is pushed again, stamped with a new clock. */
    KEEP_MINE,
    /** The other device's version wins: this device's change of those fields is dropped. */
    TAKE_THEIRS
}

package dev.blobsync.engine;

/** Test helpers of this package for tests elsewhere. */
public final class ClockConflictTestAccess {
    private ClockConflictTestAccess() {
    }

    /** Every byte of a blob, read through the engine. */
    public static byte[] readAll(SyncEngine engine, BlobRef ref) throws java.io.IOException {
        return ClockConflictTest.readAll(engine, ref);
    }
}

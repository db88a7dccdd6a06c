package dev.blobsync.engine.internal;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.sql.SQLException;

/** Tells a full disk (or a used-up disk quota) from other I/O failures. Internal to blobsync. */
public final class DiskFull {
    /** SQLite's result code for "database or disk is full". */
    private static final int SQLITE_FULL = 13;

    private DiskFull() {
    }

    /** True when {@code t}, or what caused it, is a write refused for lack of space. */
    public static boolean is(Throwable t) {
        for (Throwable e = t; e != null; e = e.getCause()) {
            if (e instanceof SQLException s && ((s.getErrorCode() & 0xff) == SQLITE_FULL
                    || String.valueOf(s.getMessage()).contains("disk is full"))) {
                return true;
            }
            if (e instanceof IOException) {
                String m = e instanceof FileSystemException f ? f.getReason() : e.getMessage();
                if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) {
                    return true;
                }
            }
            if (e.getCause() == e) {
                break;
            }
        }
        return false;
    }
}

package dev.blobsync.fs;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last error per mount path, in words, as shown by {@code user.blobsync.error}. A reason
 * about a file inside a record folder is also kept for that folder, so {@code getfattr} on
 * either tells the user what went wrong. Bounded: the oldest notes go first.
 */
final class ErrorNotes {
    private static final int MAX_NOTES = 10_000;

    // guarded by this; access order so the least recently touched note is evicted first
    private final Map<String, String> notes = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > MAX_NOTES;
        }
    };

    private volatile FsErrorListener listener = (op, path, errno, reason) -> { };

    void listener(FsErrorListener l) {
        listener = l;
    }

    /** Records the reason, then tells the listener (outside this lock). */
    void record(String op, String path, int errno, String reason) {
        record(path, reason);
        listener.failed(op, path, errno, reason);
    }

    synchronized void record(String path, String reason) {
        notes.put(path, reason);
        String folder = recordFolderOf(path);
        if (folder != null) {
            notes.put(folder, reason);
        }
    }

    /** Forgets the note of {@code path} and of its record folder: the last attempt succeeded. */
    synchronized void clear(String path) {
        notes.remove(path);
        String folder = recordFolderOf(path);
        if (folder != null) {
            notes.remove(folder);
        }
    }

    synchronized String get(String path) {
        return notes.get(path);
    }

    synchronized int size() {
        return notes.size();
    }

    /** "/table/record" for a path at least three levels deep, else null. */
    private static String recordFolderOf(String path) {
        int first = path.indexOf('/', 1);
        if (first < 0) {
            return null;
        }
        int second = path.indexOf('/', first + 1);
        return second < 0 ? null : path.substring(0, second);
    }
}

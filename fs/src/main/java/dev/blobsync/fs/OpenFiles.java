package dev.blobsync.fs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The files open for writing, one {@link ContentFile} per path however many handles point at
 * it. The registry's lock only guards the map and the reference counts; it is never held while
 * a content file's monitor is taken or I/O runs.
 */
final class OpenFiles {
    // guarded by this
    private final Map<ContentFile.Key, ContentFile> open = new HashMap<>();

    synchronized ContentFile acquire(ContentFile.Key key, Supplier<ContentFile> create) {
        ContentFile file = open.computeIfAbsent(key, k -> create.get());
        file.refs++;
        return file;
    }

    /** Drops one reference; true when it was the last, and the file left the registry. */
    synchronized boolean release(ContentFile file) {
        if (--file.refs > 0) {
            return false;
        }
        open.remove(file.key, file);
        return true;
    }

    synchronized ContentFile find(ContentFile.Key key) {
        return open.get(key);
    }

    synchronized List<ContentFile> all() {
        return new ArrayList<>(open.values());
    }

    /** The names of files being imported into {@code table} that are still open. */
    synchronized List<String> importsInto(String table) {
        List<String> names = new ArrayList<>();
        for (ContentFile.Key key : open.keySet()) {
            if (key.table().equals(table) && key.id() == null) {
                names.add(key.child());
            }
        }
        return names;
    }
}

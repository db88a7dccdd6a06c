package dev.blobsync.fs;

import dev.blobsync.engine.Record;
import dev.blobsync.engine.SyncEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code user.blobsync.*} attributes: {@code state}, {@code error}, {@code hash},
 * {@code id} and {@code priority} (read as {@code normal} until the cache can pin).
 */
final class Xattrs {
    static final String PREFIX = "user.blobsync.";
    static final String STATE = PREFIX + "state";
    static final String ERROR = PREFIX + "error";
    static final String HASH = PREFIX + "hash";
    static final String ID = PREFIX + "id";
    static final String PRIORITY = PREFIX + "priority";

    private final SyncEngine engine;
    private final ErrorNotes notes;

    Xattrs(SyncEngine engine, ErrorNotes notes) {
        this.engine = engine;
        this.notes = notes;
    }

    /** The attributes {@code node} has now, for listxattr. */
    List<String> names(Node node, String path) {
        List<String> names = new ArrayList<>();
        for (String name : new String[] {STATE, ERROR, HASH, ID, PRIORITY}) {
            if (value(node, path, name) != null) {
                names.add(name);
            }
        }
        return names;
    }

    /** The value of {@code name} on {@code node}, or null when it has none. */
    String value(Node node, String path, String name) {
        Record record = recordOf(node);
        switch (name) {
            case STATE:
                if (node instanceof Node.Blob b && b.ref() != null) {
                    return engine.blobState(b.ref()).label();
                } else if (node instanceof Node.Scratch) {
                    return "local-only";
                } else if (node instanceof Node.RecordDir || node instanceof Node.Meta) {
                    return record.state().name().toLowerCase(Locale.ROOT);
                }
                return null;
            case ERROR:
                String note = notes.get(path);
                if (note != null) {
                    return note;
                }
                return record != null && !(node instanceof Node.Scratch) ? record.error() : null;
            case HASH:
                return node instanceof Node.Blob b && b.ref() != null ? b.ref().sha256() : null;
            case ID:
                return record != null && !(node instanceof Node.Scratch) ? record.id().toString() : null;
            case PRIORITY:
                return node instanceof Node.Blob || node instanceof Node.RecordDir || node instanceof Node.TableDir
                        ? "normal" : null;
            default:
                return null;
        }
    }

    private static Record recordOf(Node node) {
        if (node instanceof Node.RecordDir d) {
            return d.record();
        } else if (node instanceof Node.Blob b) {
            return b.record();
        } else if (node instanceof Node.Meta m) {
            return m.record();
        } else if (node instanceof Node.Scratch s) {
            return s.record();
        }
        return null;
    }
}

package dev.blobsync.fs;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.PendingItem;
import dev.blobsync.engine.Priority;
import dev.blobsync.engine.Record;
import dev.blobsync.engine.RecordState;
import dev.blobsync.engine.SyncEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code user.blobsync.*} attributes: {@code state}, {@code progress}, {@code error},
 * {@code hash}, {@code id}, {@code priority} (the effective one: the blob's, else its
 * record's, else its table's) and {@code url} (a blob's {@link SyncEngine#blobUrl}: a
 * {@code file:} URL while cached, else a presigned URL from the blob provider). A table folder
 * has a {@code state} too: {@code loading} until the first pull of this cache has caught up
 * (with the records it holds so far as {@code progress}), then {@code loaded}.
 */
final class Xattrs {
    static final String PREFIX = "user.blobsync.";
    static final String STATE = PREFIX + "state";
    static final String ERROR = PREFIX + "error";
    static final String HASH = PREFIX + "hash";
    static final String ID = PREFIX + "id";
    static final String PRIORITY = PREFIX + "priority";
    static final String PROGRESS = PREFIX + "progress";
    static final String URL = PREFIX + "url";

    private final SyncEngine engine;
    private final ErrorNotes notes;

    Xattrs(SyncEngine engine, ErrorNotes notes) {
        this.engine = engine;
        this.notes = notes;
    }

    /** The attributes {@code node} has now, for listxattr. */
    List<String> names(Node node, String path) {
        List<String> names = new ArrayList<>();
        for (String name : new String[] {STATE, PROGRESS, ERROR, HASH, ID, PRIORITY}) {
            if (value(node, path, name) != null) {
                names.add(name);
            }
        }
        if (node instanceof Node.Blob b && b.ref() != null) {
            names.add(URL); // not signed just to be listed
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
                    return recordState(record);
                } else if (node instanceof Node.TableDir t) {
                    return t.table().complete() ? "loaded" : "loading";
                }
                return null;
            case PROGRESS:
                if (node instanceof Node.Blob b && b.ref() != null) {
                    return format(blobProgress(b.ref()));
                } else if (node instanceof Node.RecordDir) {
                    return format(recordProgress(record));
                } else if (node instanceof Node.TableDir t && !t.table().complete()) {
                    // How many records the folder holds so far: the change feed does not say how many will come.
                    return Integer.toString(t.table().size());
                }
                return null;
            case ERROR:
                String note = notes.get(path);
                if (note != null) {
                    return note;
                }
                if (node instanceof Node.Blob b && b.ref() != null) {
                    Optional<String> blobError = blobError(b.ref());
                    if (blobError.isPresent()) {
                        return blobError.get();
                    }
                }
                if (node instanceof Node.RecordDir && record != null) {
                    for (BlobRef ref : blobsOf(record)) {
                        Optional<String> e = upload(ref).map(PendingItem::error);
                        if (e.isPresent()) {
                            return e.get();
                        }
                    }
                }
                return record != null && !(node instanceof Node.Scratch) ? record.error() : null;
            case HASH:
                return node instanceof Node.Blob b && b.ref() != null ? b.ref().sha256() : null;
            case URL:
                return node instanceof Node.Blob b && b.ref() != null
                        ? engine.blobUrl(b.ref()).map(java.net.URI::toString).orElse(null) : null;
            case ID:
                return record != null && !(node instanceof Node.Scratch) ? record.id().toString() : null;
            case PRIORITY:
                if (node instanceof Node.Blob b) {
                    return engine.cache().priority(b.table().name(), b.record().id(), b.ref()).label();
                } else if (node instanceof Node.RecordDir d) {
                    return engine.cache().priority(d.table().name(), d.record().id(), null).label();
                } else if (node instanceof Node.TableDir t) {
                    return engine.cache().priority(t.table().name(), null, null).label();
                }
                return null;
            default:
                return null;
        }
    }

    /** Sets (or with {@code null} clears) the priority of a table folder, record folder or blob file. */
    void setPriority(Node node, String value) {
        Priority p = value == null ? null : Priority.parse(value);
        if (node instanceof Node.Blob b && b.ref() != null) {
            engine.cache().setBlobPriority(b.table().name(), b.record().id(), b.ref(), p);
        } else if (node instanceof Node.RecordDir d) {
            engine.cache().setPriority(d.record().id(), p);
        } else if (node instanceof Node.TableDir t) {
            engine.cache().setTablePriority(t.table().name(), p);
        } else {
            throw new FsException(Errnos.EOPNOTSUPP, "only tables, records and blob files have a priority");
        }
    }

    /** The record's state, or the state of its blobs' uploads while the record waits for them. */
    private String recordState(Record record) {
        String state = record.state().name().toLowerCase(Locale.ROOT);
        if (record.state() == RecordState.QUEUED) {
            for (BlobRef ref : blobsOf(record)) {
                Optional<PendingItem> up = upload(ref);
                if (up.isPresent() && (up.get().state().equals("error") || up.get().state().equals("uploading"))) {
                    return up.get().state();
                }
            }
        }
        return state;
    }

    /** Upload progress while the blob is queued, else how much of it is cached. */
    private double blobProgress(BlobRef ref) {
        Optional<PendingItem> up = upload(ref);
        return up.isPresent() ? up.get().progress() : engine.cache().cachedFraction(ref);
    }

    /** How much of the record's queued upload bytes are at the provider; 1 when nothing waits. */
    private double recordProgress(Record record) {
        if (record.state() == RecordState.SYNCED) {
            return 1.0;
        }
        long total = 0;
        double sent = 0;
        for (BlobRef ref : blobsOf(record)) {
            Optional<PendingItem> up = upload(ref);
            total += ref.size();
            sent += up.map(p -> p.progress() * ref.size()).orElse((double) ref.size());
        }
        return total == 0 ? (record.state() == RecordState.DRAFT ? 0.0 : 1.0) : sent / total;
    }

    private Optional<String> blobError(BlobRef ref) {
        Optional<String> uploadError = upload(ref).map(PendingItem::error);
        return uploadError.isPresent() ? uploadError : engine.cache().lastError(ref);
    }

    private Optional<PendingItem> upload(BlobRef ref) {
        return engine.offline().upload(ref.sha256());
    }

    private static List<BlobRef> blobsOf(Record record) {
        List<BlobRef> out = new ArrayList<>();
        record.fields().values().forEach(v -> {
            if (v instanceof BlobRef b) {
                out.add(b);
            }
        });
        return out;
    }

    private static String format(double progress) {
        return String.format(Locale.ROOT, "%.2f", Math.max(0, Math.min(1, progress)));
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

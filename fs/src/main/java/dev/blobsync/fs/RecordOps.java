package dev.blobsync.fs;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.InvalidException;
import dev.blobsync.engine.Record;
import dev.blobsync.engine.RecordState;
import dev.blobsync.engine.schema.FieldSchema;
import dev.blobsync.engine.schema.FieldType;
import dev.blobsync.engine.schema.TableSchema;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * What the filesystem's operations mean for records: committing written files, importing bare
 * files, drafts from {@code mkdir}, naming and removing record folders. Callbacks resolve the
 * path and call one method here; every engine write goes through this class.
 */
final class RecordOps {
    /** Stands in for the name field while rendering, to find where it sits in a folder name. */
    private static final String MARKER = "\u2063blobsync\u2063";

    private final MetaJson metaJson;
    private final ErrorNotes notes;
    private final PathResolver resolver;

    RecordOps(MetaJson metaJson, ErrorNotes notes, PathResolver resolver) {
        this.metaJson = metaJson;
        this.notes = notes;
        this.resolver = resolver;
    }

    /**
     * Saves a written file into the engine if it has unsaved bytes; {@code path} names it in errors.
     *
     * @param last true when no descriptor of the file stays open (the last close, or a save
     *             without a handle); false for the close of one of several descriptors, or fsync
     */
    void commit(ContentFile file, TableIndex table, String path, boolean last) throws IOException {
        if (file instanceof OpenBlob blob) {
            commitBlob(blob, table, path);
        } else if (file instanceof OpenMeta meta) {
            commitMeta(meta, table, path, last);
        }
    }

    private void commitBlob(OpenBlob file, TableIndex table, String path) throws IOException {
        synchronized (file) {
            if (file.failureLocked() != null) {
                // A write failed: the bytes are incomplete, and close says so too.
                throw file.failureLocked();
            }
            if (!file.dirty()) {
                return;
            }
            UUID id = file.key.id() != null ? file.key.id() : file.importedIntoLocked();
            FieldSchema field = id == null || file.key.id() == null
                    ? importField(table, file.mime, file.key.child())
                    : table.schema().field(file.key.child()).orElseThrow();
            checkAccepts(field, file.mime, file.key.child());
            BlobRef ref = file.storeLocked();
            if (id == null) {
                Record created = importRecord(table, file.key.child(), field, ref);
                file.importedIntoLocked(created.id());
            } else {
                table.update(id, Map.of(field.name(), ref));
                table.unhide(id, field.name());
            }
            file.committedLocked();
            notes.clear(path);
        }
    }

    /**
     * Applies an edited meta.json. While other descriptors stay open the edit may go on: a
     * shell's {@code >} closes a duplicate of the descriptor before anything is written, so an
     * empty document is not taken as the edit then, and a refused document keeps its bytes so
     * the program's next writes land on what it wrote, not on the old document. Once the last
     * descriptor closes, the next read shows the record as the engine has it.
     */
    private void commitMeta(OpenMeta file, TableIndex table, String path, boolean last) {
        synchronized (file) {
            if (!file.dirty()) {
                return;
            }
            if (!last && (file.lengthLocked() == 0 || file.refusedLocked())) {
                return;
            }
            if (file.refusedLocked()) {
                // Refused at an earlier close and unchanged since: that close said why.
                file.resetLocked();
                return;
            }
            boolean applied = false;
            try {
                UUID id = file.key.id();
                file.checkCompleteLocked();
                applyMeta(table, currentRecord(table, id), file.bufferLocked(), file.lengthLocked());
                notes.clear(path);
                applied = true;
            } finally {
                if (applied || last) {
                    file.resetLocked();
                } else {
                    file.refusedLocked(true);
                }
            }
        }
    }

    /** Applies an edited meta.json to {@code current}; nothing changes when it is invalid. */
    void applyMeta(TableIndex table, Record current, byte[] bytes, int length) {
        Map<String, Object> changes = MetaJson.changes(table.schema(), current, bytes, length);
        if (current.state() != RecordState.DRAFT) {
            Map<String, Object> merged = new HashMap<>(current.fields());
            changes.forEach((k, v) -> {
                if (v == null) {
                    merged.remove(k);
                } else {
                    merged.put(k, v);
                }
            });
            List<String> missing = table.schema().missingRequired(merged);
            if (!missing.isEmpty()) {
                throw new InvalidException(missing.get(0), "field " + missing.get(0)
                        + " is required and cannot be removed from meta.json");
            }
        }
        if (!changes.isEmpty()) {
            table.update(current.id(), changes);
        }
        table.unhide(current.id(), ContentFile.META);
    }

    /** The rendered meta.json of {@code record}. */
    byte[] currentBytes(TableIndex table, Record record) {
        return metaJson.bytes(table.schema(), record);
    }

    Record currentRecord(TableIndex table, UUID id) {
        TableIndex.Entry entry = table.byId(id);
        if (entry == null) {
            throw new FsException(Errnos.ENOENT, "the record " + id + " no longer exists");
        }
        return entry.record();
    }

    static void checkAccepts(FieldSchema field, String mime, String fileName) {
        if (mime == null || !field.acceptsMimeType(mime)) {
            throw new FsException(Errnos.EINVAL, "field " + field.name() + " takes " + field.mimeTypes()
                    + ", but " + fileName + " is " + (mime == null ? "of an unknown type" : mime));
        }
    }

    private static FieldSchema importField(TableIndex table, String mime, String fileName) {
        if (mime == null) {
            throw new FsException(Errnos.EINVAL, "cannot tell the type of " + fileName + " from its extension");
        }
        return table.schema().blobFieldFor(mime).orElseThrow(() -> new FsException(Errnos.EINVAL,
                "no blob field of table " + table.name() + " takes " + mime + " (" + fileName + ")"));
    }

    /** Makes a new record holding {@code ref}, named after the file; a draft when incomplete. */
    Record importRecord(TableIndex table, String fileName, FieldSchema field, BlobRef ref) {
        TableSchema schema = table.schema();
        Map<String, Object> fields = defaults(schema);
        titleField(table).ifPresent(f -> fields.put(f.name(), Names.stem(fileName)));
        fields.put(field.name(), ref);
        Record created = schema.missingRequired(fields).isEmpty()
                ? table.table().insert(fields) : table.table().insertDraft(fields);
        table.put(created);
        table.addImportAlias(fileName, created.id(), field.name());
        return created;
    }

    /** A draft for a folder made with mkdir, its folder keeping the name the user typed (see {@link TableIndex}). */
    Record createDraft(TableIndex table, String folderName) {
        if (table.byName(folderName) != null) {
            throw new FsException(Errnos.EEXIST, "a record folder named " + folderName + " exists already");
        }
        Map<String, Object> fields = defaults(table.schema());
        table.nameField().ifPresent(f -> fields.put(f.name(), nameValue(table, UUID.randomUUID(), fields, folderName)));
        Record draft = table.table().insertDraft(fields);
        table.putNamed(draft, folderName);
        return draft;
    }

    /** Renames a record folder by setting the template's one string field. */
    void renameRecord(TableIndex table, Record record, String newName) {
        FieldSchema field = table.nameField().orElseThrow(() -> new FsException(Errnos.EINVAL,
                "folder names of table " + table.name() + " come from the template "
                        + table.schema().folderNameTemplate() + "; edit meta.json to change them"));
        TableIndex.Entry holder = table.byName(newName);
        if (holder != null && !holder.record().id().equals(record.id())) {
            throw new FsException(Errnos.EEXIST, "a record folder named " + newName + " exists already");
        }
        Map<String, Object> changes = new LinkedHashMap<>();
        changes.put(field.name(), nameValue(table, record.id(), record.fields(), newName));
        table.rename(record.id(), changes, newName);
    }

    /**
     * The value of the name field that renders {@code typed}: when the template puts other
     * fields around it ("{takenAt:yyyy-MM-dd} {title}") and the typed name keeps them, only the
     * part in between; otherwise the whole typed name.
     */
    private String nameValue(TableIndex table, UUID id, Map<String, Object> fields, String typed) {
        String field = table.nameField().orElseThrow().name();
        Map<String, Object> probe = new HashMap<>(fields);
        probe.put(field, MARKER);
        String rendered = table.schema().folderName(id, probe);
        int at = rendered.indexOf(MARKER);
        if (at < 0) {
            return typed;
        }
        String prefix = rendered.substring(0, at);
        String suffix = rendered.substring(at + MARKER.length());
        if (typed.length() > prefix.length() + suffix.length() && typed.startsWith(prefix) && typed.endsWith(suffix)) {
            return typed.substring(prefix.length(), typed.length() - suffix.length());
        }
        return typed;
    }

    /** rmdir of a record folder: deletes the record once nothing but removed files is left. */
    void deleteRecord(TableIndex table, TableIndex.Entry entry) throws IOException {
        Record record = entry.record();
        List<String> left = new ArrayList<>();
        if (record.state() != RecordState.DRAFT && !table.isHidden(record.id(), ContentFile.META)) {
            left.add(ContentFile.META);
        }
        for (FieldSchema f : table.schema().blobFields()) {
            BlobRef ref = record.blob(f.name());
            if (ref != null && !table.isHidden(record.id(), f.name())) {
                left.add(f.name() + "." + MimeTypes.extensionFor(ref.type(), ref.name()));
            }
        }
        Path scratch = resolver.recordScratchDir(table, record.id());
        if (Files.isDirectory(scratch)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(scratch)) {
                files.forEach(p -> left.add(p.getFileName().toString()));
            }
        }
        if (!left.isEmpty()) {
            throw new FsException(Errnos.ENOTEMPTY, "the folder " + entry.display() + " still holds " + left);
        }
        table.table().delete(record.id());
        table.remove(record.id());
        metaJson.forget(record.id());
        Files.deleteIfExists(scratch);
    }

    /** unlink of a file that belongs to a record (meta.json, a blob file, an imported name). */
    void unlink(Node node) throws IOException {
        if (node instanceof Node.Meta meta) {
            if (meta.hidden()) {
                throw FsException.notFound();
            }
            meta.table().hide(meta.record().id(), ContentFile.META);
        } else if (node instanceof Node.Blob blob) {
            if (blob.alias()) {
                blob.table().removeImportAlias(blob.name());
            } else if (!blob.exists()) {
                throw FsException.notFound();
            } else if (blob.field().optional()) {
                Map<String, Object> changes = new HashMap<>();
                changes.put(blob.field().name(), null);
                blob.table().update(blob.record().id(), changes);
            } else {
                // A required blob cannot be removed; the record is on its way out (rm -r).
                blob.table().hide(blob.record().id(), blob.field().name());
            }
        } else if (node instanceof Node.Scratch scratch) {
            if (Files.isDirectory(scratch.file(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw FsException.quiet(Errnos.EISDIR);
            }
            Files.delete(scratch.file());
        } else if (node instanceof Node.RecordDir || node instanceof Node.TableDir) {
            throw FsException.quiet(Errnos.EISDIR);
        } else {
            throw new FsException(Errnos.EPERM, "this file cannot be removed");
        }
    }

    /** The schema's defaults, computed now ({@code now} and {@code random} become values). */
    private static Map<String, Object> defaults(TableSchema schema) {
        return new LinkedHashMap<>(schema.defaults(java.time.Clock.systemUTC()));
    }

    /** The string field a file name goes into: the template's name field, else title or name, else the first string. */
    private static Optional<FieldSchema> titleField(TableIndex table) {
        if (table.nameField().isPresent()) {
            return table.nameField();
        }
        List<FieldSchema> strings = table.schema().fields().stream()
                .filter(f -> f.type() == FieldType.STRING).toList();
        return strings.stream().filter(f -> f.name().equals("title") || f.name().equals("name")).findFirst()
                .or(() -> strings.stream().findFirst());
    }
}

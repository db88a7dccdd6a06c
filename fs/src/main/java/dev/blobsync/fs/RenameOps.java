package dev.blobsync.fs;

import dev.blobsync.engine.BlobReader;
import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.schema.FieldSchema;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.UUID;

/**
 * {@code rename}, the editors' way to save: a finished temp file renamed over a blob file or
 * meta.json replaces it in one step (no unlink comes first), a blob file renamed to a backup
 * name becomes a scratch copy, a scratch file renamed to a final name in a table folder becomes
 * a record, and a record folder renamed within its table sets its name field.
 */
final class RenameOps {
    private final SyncEngine engine;
    private final PathResolver resolver;
    private final RecordOps records;

    RenameOps(SyncEngine engine, PathResolver resolver, RecordOps records) {
        this.engine = engine;
        this.resolver = resolver;
        this.records = records;
    }

    void rename(String from, String to) throws IOException {
        Node src = resolver.resolve(from);
        PathResolver.split(to);
        Node parent = resolver.resolveParent(PathResolver.parentOf(to));
        String name = PathResolver.nameOf(to);
        Node dst = resolver.child(parent, name);
        if (!(src instanceof Node.Blob b && b.alias())) {
            dst = resolver.forWriting(dst);
        }
        if (src instanceof Node.RecordDir dir) {
            renameRecordDir(dir, parent, dst, name);
        } else if (src instanceof Node.Scratch scratch) {
            if (!Files.exists(scratch.file(), LinkOption.NOFOLLOW_LINKS)) {
                throw FsException.notFound();
            }
            fromScratch(scratch, dst);
        } else if (src instanceof Node.Blob blob && blob.alias()) {
            boolean staysInTable = dst instanceof Node.Import
                    || dst instanceof Node.Scratch s && s.record() == null;
            if (!staysInTable) {
                throw new FsException(Errnos.EINVAL, "an imported file's old name can only be renamed within its table folder");
            }
            blob.table().removeImportAlias(blob.name());
            blob.table().addImportAlias(name, blob.record().id(), blob.field().name());
        } else if (src instanceof Node.Blob blob) {
            if (!blob.exists()) {
                throw FsException.notFound();
            }
            fromBlob(blob, dst);
        } else if (src instanceof Node.Meta meta) {
            if (meta.hidden()) {
                throw FsException.notFound();
            }
            if (!(dst instanceof Node.Scratch scratch)) {
                throw new FsException(Errnos.EINVAL, "meta.json can only be renamed to a scratch file name");
            }
            byte[] bytes = records.currentBytes(meta.table(), meta.record());
            writeAtomically(scratch.file(), bytes);
            records.unlink(meta);
        } else if (src instanceof Node.Import) {
            throw new FsException(Errnos.EBUSY, "the file is still being imported; rename it after it is closed");
        } else {
            throw new FsException(Errnos.EPERM, "tables and the status folder cannot be renamed");
        }
    }

    private void renameRecordDir(Node.RecordDir dir, Node parent, Node dst, String name) {
        if (!(parent instanceof Node.TableDir table)) {
            throw new FsException(Errnos.EINVAL, "a record folder can only be renamed within its table folder");
        }
        if (table.table() != dir.table()) {
            throw new FsException(Errnos.EXDEV, "a record cannot move to another table ("
                    + dir.table().name() + " to " + table.table().name() + ")");
        }
        if (dst instanceof Node.RecordDir other && other.record().id().equals(dir.record().id())) {
            return;
        }
        records.renameRecord(dir.table(), dir.record(), name);
    }

    private void fromScratch(Node.Scratch src, Node dst) throws IOException {
        if (dst instanceof Node.Scratch target) {
            Files.createDirectories(target.file().getParent());
            Files.move(src.file(), target.file(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        if (Files.isDirectory(src.file(), LinkOption.NOFOLLOW_LINKS)) {
            throw new FsException(Errnos.EISDIR, "a folder cannot replace a record's file");
        }
        if (dst instanceof Node.Meta meta) {
            if (Files.size(src.file()) > MetaJson.MAX_BYTES) {
                throw new FsException(Errnos.EFBIG, src.name() + " is larger than meta.json may be (1 MiB, "
                        + MetaJson.MAX_BYTES + " bytes); meta.json is unchanged");
            }
            byte[] bytes = Files.readAllBytes(src.file());
            records.applyMeta(meta.table(), meta.record(), bytes, bytes.length);
            Files.delete(src.file());
        } else if (dst instanceof Node.Blob blob) {
            RecordOps.checkAccepts(blob.field(), blob.mime(), blob.name());
            BlobRef ref = store(src.file(), blob.mime(), blob.alias() ? blob.name() : src.name());
            setBlob(blob.table(), blob.record().id(), blob.field(), ref);
            Files.delete(src.file());
        } else if (dst instanceof Node.Import imp) {
            FieldSchema field = imp.table().schema().blobFieldFor(imp.mime()).orElseThrow();
            BlobRef ref = store(src.file(), imp.mime(), imp.name());
            records.importRecord(imp.table(), imp.name(), field, ref);
            Files.delete(src.file());
        } else {
            throw new FsException(Errnos.EISDIR, "a folder of that name exists");
        }
    }

    private void fromBlob(Node.Blob src, Node dst) throws IOException {
        BlobRef ref = src.ref();
        if (dst instanceof Node.Scratch target) {
            copyOut(ref, target.file());
        } else if (dst instanceof Node.Blob blob && !blob.alias()) {
            boolean sameField = blob.record().id().equals(src.record().id()) && blob.field().equals(src.field());
            String type = sameField ? blob.mime() : ref.type();
            RecordOps.checkAccepts(blob.field(), type, blob.name());
            setBlob(blob.table(), blob.record().id(), blob.field(), new BlobRef(ref.sha256(), ref.size(), type, ref.name()));
            if (sameField) {
                return;
            }
        } else if (dst instanceof Node.Import imp) {
            FieldSchema field = imp.table().schema().blobFieldFor(ref.type()).orElseThrow(() -> new FsException(
                    Errnos.EINVAL, "no blob field of table " + imp.table().name() + " takes " + ref.type()));
            records.importRecord(imp.table(), imp.name(), field, ref);
        } else {
            throw new FsException(Errnos.EINVAL, "a blob file cannot be renamed to " + dst);
        }
        records.unlink(src);
    }

    private void setBlob(TableIndex table, UUID id, FieldSchema field, BlobRef ref) {
        table.update(id, Map.of(field.name(), ref));
        table.unhide(id, field.name());
    }

    /**
     * Hands a scratch file's bytes to the engine. A hard link in the staging folder is moved
     * into the engine, so the scratch file stays intact until the record points at the blob;
     * across file systems it is a copy.
     */
    private BlobRef store(Path file, String mime, String name) throws IOException {
        Path staging = engine.stagingDirectory();
        Files.createDirectories(staging);
        Path link = staging.resolve("rn-" + UUID.randomUUID() + ".part");
        try {
            Files.createLink(link, file);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(file, link);
        }
        try {
            return engine.putBlob(link, mime, name, true);
        } finally {
            Files.deleteIfExists(link);
        }
    }

    /** Writes a blob's bytes to a scratch file (a backup such as {@code image.jpg~}). */
    private void copyOut(BlobRef ref, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling(".blobsync-" + UUID.randomUUID());
        try (BlobReader reader = engine.openBlob(ref);
             FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
            long pos = 0;
            while (true) {
                chunk.clear();
                int n = reader.read(chunk, pos);
                if (n <= 0) {
                    break;
                }
                chunk.flip();
                while (chunk.hasRemaining()) {
                    pos += out.write(chunk);
                }
            }
            out.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling(".blobsync-" + UUID.randomUUID());
        Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}

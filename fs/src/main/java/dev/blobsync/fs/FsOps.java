package dev.blobsync.fs;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.ConflictVersion;
import dev.blobsync.engine.QueueStats;
import dev.blobsync.engine.SyncEngine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The filesystem's operations in plain Java types: each resolves the path to a {@link Node},
 * then reads the in-memory indexes, hands the work to {@link RecordOps}/{@link RenameOps}, or
 * passes through to a scratch file. {@link BlobsyncFs} only converts to and from jnr structs.
 *
 * <p>Open handles live in a {@code ConcurrentMap<Long, Handle>}; the id is what goes into
 * {@code fi.fh}, and an unknown id is answered with EBADF.
 */
final class FsOps {
    static final int O_ACCMODE = 3;
    static final int O_RDONLY = 0;
    static final int O_EXCL = 0200;
    static final int O_TRUNC = 01000;

    /** What getattr reports. */
    record Attributes(boolean directory, int permissions, long size, Instant modified) {
    }

    /** A new handle and how the kernel should cache its pages. */
    record Opened(long fh, boolean directIo, boolean keepCache) {
    }

    private final SyncEngine engine;
    private final Map<String, TableIndex> tables;
    private final PathResolver resolver;
    private final OpenFiles openFiles;
    private final MetaJson metaJson;
    private final RecordOps records;
    private final RenameOps renames;
    private final ErrorNotes notes;
    private final Xattrs xattrs;
    private final FirstPull firstPull;
    private final Instant started = Instant.now();

    private final ConcurrentMap<Long, Handle> handles = new ConcurrentHashMap<>();
    private final AtomicLong nextHandle = new AtomicLong(1);
    /** The blob each path showed at its last open: same hash, the kernel may keep its pages. */
    private final ConcurrentMap<String, String> lastOpenedHash = new ConcurrentHashMap<>();

    FsOps(SyncEngine engine, Map<String, TableIndex> tables, ErrorNotes notes, FirstPull firstPull) {
        this.engine = engine;
        this.firstPull = firstPull;
        this.tables = tables;
        this.notes = notes;
        this.openFiles = new OpenFiles();
        this.metaJson = new MetaJson();
        this.resolver = new PathResolver(tables, engine.scratchDirectory(), openFiles);
        this.records = new RecordOps(metaJson, notes, resolver);
        this.renames = new RenameOps(engine, resolver, records);
        this.xattrs = new Xattrs(engine, notes);
    }

    Node resolve(String path) {
        return resolver.resolve(path);
    }

    // ---- attributes and listing ------------------------------------------------------------

    Attributes attributes(String path) throws IOException {
        Node node = resolveAfterFirstPull(path);
        if (node instanceof Node.Root || node instanceof Node.TableDir || node instanceof Node.StatusDir) {
            return new Attributes(true, 0755, 0, started);
        } else if (node instanceof Node.RecordDir dir) {
            return new Attributes(true, 0755, 0, dir.record().updatedAt());
        } else if (node instanceof Node.StatusFile f) {
            return new Attributes(false, 0444, statusBytes(f.name()).length, Instant.now());
        } else if (node instanceof Node.Scratch scratch) {
            return ScratchFiles.attributes(scratch.file());
        }
        ContentFile writer = writerOf(node);
        if (writer != null) {
            return new Attributes(false, 0644, writer.size(), modifiedOf(node));
        } else if (node instanceof Node.Meta meta && !meta.hidden()) {
            return new Attributes(false, 0644, metaJson.bytes(meta.table().schema(), meta.record()).length,
                    meta.record().updatedAt());
        } else if (node instanceof Node.Blob blob && blob.exists()) {
            return new Attributes(false, 0644, blob.ref().size(), blob.record().updatedAt());
        }
        throw FsException.notFound();
    }

    /**
     * Resolves {@code path}; a name missing from a table that is still loading is looked up
     * again once the first pull has caught up (within the same bound as a listing), so that
     * {@code stat} or {@code [ -e ]} never calls a record missing that is merely not pulled yet.
     */
    private Node resolveAfterFirstPull(String path) {
        Node node;
        try {
            node = resolver.resolve(path);
        } catch (FsException e) {
            if (e.errno() != Errnos.ENOENT || !inLoadingTable(path)) {
                throw e;
            }
            firstPull.awaitBeforeListing();
            return resolver.resolve(path);
        }
        if (node instanceof Node.Scratch s && inLoadingTable(path) && !Files.exists(s.file(), LinkOption.NOFOLLOW_LINKS)) {
            // A name no record holds (yet): a scratch file it would become.
            firstPull.awaitBeforeListing();
            return resolver.resolve(path);
        }
        return node;
    }

    private boolean inLoadingTable(String path) {
        String[] parts = PathResolver.split(path);
        TableIndex table = parts.length >= 2 ? tables.get(parts[0]) : null;
        return table != null && !table.complete();
    }

    private static Instant modifiedOf(Node node) {
        if (node instanceof Node.Meta m) {
            return m.record().updatedAt();
        } else if (node instanceof Node.Blob b) {
            return b.record().updatedAt();
        }
        return Instant.now();
    }

    /** The open writer behind a meta.json, blob or import name, if one is open under that name. */
    private ContentFile writerOf(Node node) {
        if (node instanceof Node.Meta m) {
            return openFiles.find(new ContentFile.Key(m.table().name(), m.record().id(), ContentFile.META));
        } else if (node instanceof Node.Blob b) {
            ContentFile f = openFiles.find(new ContentFile.Key(b.table().name(), b.record().id(), b.field().name()));
            return f instanceof OpenBlob ob && ob.fileName.equals(b.name()) && !b.alias() ? f : null;
        } else if (node instanceof Node.Import i) {
            return openFiles.find(new ContentFile.Key(i.table().name(), null, i.name()));
        }
        return null;
    }

    List<String> list(String path) throws IOException {
        Node node = resolver.resolve(path);
        Set<String> names = new LinkedHashSet<>();
        if (node instanceof Node.Root) {
            names.addAll(tables.keySet());
            names.add(PathResolver.STATUS_DIR);
        } else if (node instanceof Node.StatusDir d && d.conflicts()) {
            for (ConflictVersion c : engine.conflicts(MAX_CONFLICTS)) {
                names.add(conflictName(c));
            }
        } else if (node instanceof Node.StatusDir) {
            names.add(PathResolver.STATUS_FILE);
            names.add(PathResolver.QUEUE_FILE);
            names.add(PathResolver.CONFLICTS_DIR);
        } else if (node instanceof Node.TableDir t) {
            if (!t.table().complete()) {
                // Never caught up with the provider: do not let a partial table look complete.
                firstPull.awaitBeforeListing();
            }
            List<java.util.UUID> shown = new java.util.ArrayList<>();
            for (TableIndex.Entry e : t.table().entries()) {
                names.add(e.display());
                if (shown.size() < 64) {
                    shown.add(e.record().id());
                }
            }
            // A listed folder is likely to be looked at: prefetch its blobs (bounded, in the background).
            engine.cache().prefetchVisible(t.table().name(), shown);
            names.addAll(openFiles.importsInto(t.table().name()));
            listInto(resolver.tableScratchDir(t.table()), names);
        } else if (node instanceof Node.RecordDir dir) {
            TableIndex table = dir.table();
            var record = dir.record();
            if (!table.isHidden(record.id(), ContentFile.META)) {
                names.add(ContentFile.META);
            }
            for (var field : table.schema().blobFields()) {
                BlobRef ref = record.blob(field.name());
                if (ref != null && !table.isHidden(record.id(), field.name())) {
                    names.add(field.name() + "." + MimeTypes.extensionFor(ref.type(), ref.name()));
                }
            }
            for (ContentFile f : openFiles.all()) {
                if (record.id().equals(f.key.id())) {
                    names.add(f instanceof OpenBlob ob ? ob.fileName : ContentFile.META);
                }
            }
            listInto(resolver.recordScratchDir(table, record.id()), names);
        } else if (node instanceof Node.Scratch s && Files.isDirectory(s.file(), LinkOption.NOFOLLOW_LINKS)) {
            listInto(s.file(), names);
        } else {
            throw FsException.quiet(Errnos.ENOTDIR);
        }
        return new ArrayList<>(names);
    }

    private static void listInto(Path dir, Set<String> names) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path p : files) {
                names.add(p.getFileName().toString());
            }
        }
    }

    // ---- open, create, read, write, close ------------------------------------------------------

    Opened open(String path, int flags) throws IOException {
        boolean write = (flags & O_ACCMODE) != O_RDONLY;
        boolean trunc = (flags & O_TRUNC) != 0;
        Node node = write ? resolver.forWriting(resolver.resolve(path)) : resolver.resolve(path);
        if (node instanceof Node.StatusFile f) {
            if (write) {
                throw new FsException(Errnos.EACCES, f.name() + " is read-only");
            }
            return register(new Handle.Bytes(statusBytes(f.name())), true, false);
        } else if (node instanceof Node.Scratch s) {
            return register(new Handle.Scratch(ScratchFiles.open(s.file(), write, trunc)), false, false);
        } else if (node instanceof Node.RecordDir || node instanceof Node.TableDir || node instanceof Node.Root
                || node instanceof Node.StatusDir) {
            throw FsException.quiet(Errnos.EISDIR);
        }
        ContentFile writer = writerOf(node);
        // A document refused at a close is no one's content: readers see the record as it is.
        if (!write && (writer == null || writer instanceof OpenMeta meta && meta.refused())) {
            if (node instanceof Node.Meta m && !m.hidden()) {
                return register(new Handle.Bytes(metaJson.bytes(m.table().schema(), m.record())), true, false);
            } else if (node instanceof Node.Blob b && b.exists()) {
                String previous = lastOpenedHash.put(path, b.ref().sha256());
                boolean keep = b.ref().sha256().equals(previous);
                return register(new Handle.BlobRead(engine.openBlob(b.ref())), false, keep);
            }
            throw FsException.notFound();
        }
        if (writer == null && !exists(node)) {
            throw FsException.notFound();
        }
        ContentFile file = acquireWriter(node);
        if (trunc) {
            file.truncate(0);
        }
        return register(new Handle.Edit(file), file instanceof OpenMeta, false);
    }

    private static boolean exists(Node node) {
        return node instanceof Node.Meta m && !m.hidden() || node instanceof Node.Blob b && b.exists();
    }

    Opened create(String path, int mode, int flags) throws IOException {
        Node parent = resolver.resolveParent(PathResolver.parentOf(path));
        PathResolver.split(path);
        Node node = resolver.forWriting(resolver.child(parent, PathResolver.nameOf(path)));
        if (node instanceof Node.Scratch s) {
            FileChannel channel = ScratchFiles.create(s.file(), mode, (flags & O_EXCL) != 0);
            return register(new Handle.Scratch(channel), false, false);
        } else if (node instanceof Node.Blob b && !b.alias()) {
            RecordOps.checkAccepts(b.field(), b.mime(), b.name());
        } else if (!(node instanceof Node.Meta || node instanceof Node.Import || node instanceof Node.Blob)) {
            throw FsException.quiet(Errnos.EEXIST);
        }
        ContentFile file = acquireWriter(node);
        file.truncate(0);
        return register(new Handle.Edit(file), file instanceof OpenMeta, false);
    }

    private ContentFile acquireWriter(Node node) {
        if (node instanceof Node.Meta m) {
            var key = new ContentFile.Key(m.table().name(), m.record().id(), ContentFile.META);
            return openFiles.acquire(key, () -> new OpenMeta(key,
                    () -> metaJson.bytes(m.table().schema(), records.currentRecord(m.table(), m.record().id()))));
        } else if (node instanceof Node.Blob b) {
            var key = new ContentFile.Key(b.table().name(), b.record().id(), b.field().name());
            String mime = b.alias() ? b.ref().type() : b.mime();
            String name = b.alias() ? b.field().name() + "." + MimeTypes.extensionFor(mime, b.name()) : b.name();
            return openFiles.acquire(key, () -> new OpenBlob(key, engine, b.ref(), mime, name));
        } else if (node instanceof Node.Import i) {
            var key = new ContentFile.Key(i.table().name(), null, i.name());
            return openFiles.acquire(key, () -> new OpenBlob(key, engine, null, i.mime(), i.name()));
        }
        throw new FsException(Errnos.EACCES, "this file cannot be written");
    }

    private Opened register(Handle handle, boolean directIo, boolean keepCache) {
        long fh = nextHandle.getAndIncrement();
        handles.put(fh, handle);
        return new Opened(fh, directIo, keepCache);
    }

    private Handle handle(long fh) {
        Handle h = handles.get(fh);
        if (h == null) {
            throw FsException.quiet(Errnos.EBADF);
        }
        return h;
    }

    /** Fills {@code dst} from {@code offset}; short only at the end of the file. */
    int read(long fh, ByteBuffer dst, long offset) throws IOException {
        Handle h = handle(fh);
        int start = dst.position();
        if (h instanceof Handle.Bytes b) {
            if (offset < b.bytes().length) {
                dst.put(b.bytes(), (int) offset, (int) Math.min(dst.remaining(), b.bytes().length - offset));
            }
        } else if (h instanceof Handle.BlobRead r) {
            while (dst.hasRemaining()) {
                int n = r.reader().read(dst, offset + dst.position() - start);
                if (n <= 0) {
                    break;
                }
            }
        } else if (h instanceof Handle.Scratch s) {
            while (dst.hasRemaining()) {
                int n = s.channel().read(dst, offset + dst.position() - start);
                if (n <= 0) {
                    break;
                }
            }
        } else if (h instanceof Handle.Edit e) {
            e.file().read(dst, offset);
        }
        return dst.position() - start;
    }

    int write(long fh, ByteBuffer src, long offset) throws IOException {
        Handle h = handle(fh);
        int n = src.remaining();
        if (h instanceof Handle.Edit e) {
            e.file().write(src, offset);
        } else if (h instanceof Handle.Scratch s) {
            long pos = offset;
            while (src.hasRemaining()) {
                pos += s.channel().write(src, pos);
            }
        } else {
            throw FsException.quiet(Errnos.EBADF);
        }
        return n;
    }

    /** close() of one descriptor: a written file is saved into the engine now, so close reports errors. */
    void flush(long fh, String path) throws IOException {
        if (handle(fh) instanceof Handle.Edit e) {
            records.commit(e.file(), tables.get(e.file().key.table()), path, false);
        }
    }

    void fsync(long fh, String path) throws IOException {
        Handle h = handle(fh);
        if (h instanceof Handle.Edit e) {
            records.commit(e.file(), tables.get(e.file().key.table()), path, false);
        } else if (h instanceof Handle.Scratch s) {
            s.channel().force(true);
        }
    }

    /** The last close: frees the handle. Saving happened at flush; this is only a safety net. */
    void release(long fh, String path) throws IOException {
        Handle h = handles.remove(fh);
        if (h instanceof Handle.BlobRead r) {
            r.reader().close();
        } else if (h instanceof Handle.Scratch s) {
            s.channel().close();
        } else if (h instanceof Handle.Edit e && openFiles.release(e.file())) {
            try {
                records.commit(e.file(), tables.get(e.file().key.table()), path, true);
            } finally {
                e.file().close();
            }
        }
    }

    // ---- size, names, folders ----------------------------------------------------------------

    void truncate(String path, long size) throws IOException {
        Node node = resolver.forWriting(resolver.resolve(path));
        if (node instanceof Node.Scratch s) {
            ScratchFiles.truncate(s.file(), size);
            return;
        }
        ContentFile writer = writerOf(node);
        if (writer != null) {
            writer.truncate(size);
            return;
        }
        if (!exists(node)) {
            throw node instanceof Node.StatusFile f ? new FsException(Errnos.EACCES, f.name() + " is read-only")
                    : FsException.notFound();
        }
        // No handle open: truncate and save at once, as a complete write.
        ContentFile file = acquireWriter(node);
        try {
            file.truncate(size);
            records.commit(file, tables.get(file.key.table()), path, true);
        } finally {
            if (openFiles.release(file)) {
                file.close();
            }
        }
    }

    void ftruncate(long fh, long size) throws IOException {
        Handle h = handle(fh);
        if (h instanceof Handle.Edit e) {
            e.file().truncate(size);
        } else if (h instanceof Handle.Scratch s) {
            ScratchFiles.truncate(s.channel(), size);
        } else {
            throw FsException.quiet(Errnos.EBADF);
        }
    }

    void unlink(String path) throws IOException {
        Node node = resolver.resolve(path);
        ContentFile writer = writerOf(node);
        if (writer instanceof OpenBlob ob && (node instanceof Node.Import
                || node instanceof Node.Blob b && !b.exists())) {
            ob.discard();
            return;
        }
        records.unlink(node);
    }

    void mkdir(String path, int mode) throws IOException {
        Node parent = resolver.resolveParent(PathResolver.parentOf(path));
        PathResolver.split(path);
        String name = PathResolver.nameOf(path);
        if (parent instanceof Node.TableDir t) {
            records.createDraft(t.table(), name);
        } else if (parent instanceof Node.RecordDir || parent instanceof Node.Scratch) {
            Node child = resolver.child(parent, name);
            if (!(child instanceof Node.Scratch s)) {
                throw FsException.quiet(Errnos.EEXIST);
            }
            ScratchFiles.mkdir(s.file(), mode);
        } else {
            throw new FsException(Errnos.EPERM, "folders here come from the schema");
        }
    }

    void rmdir(String path) throws IOException {
        Node node = resolver.resolve(path);
        if (node instanceof Node.RecordDir dir) {
            records.deleteRecord(dir.table(), dir.entry());
        } else if (node instanceof Node.Scratch s) {
            if (!Files.isDirectory(s.file(), LinkOption.NOFOLLOW_LINKS)) {
                throw Files.exists(s.file()) ? FsException.quiet(Errnos.ENOTDIR) : FsException.notFound();
            }
            Files.delete(s.file());
        } else if (node instanceof Node.TableDir || node instanceof Node.Root || node instanceof Node.StatusDir) {
            throw new FsException(Errnos.EPERM, "tables and the status folder cannot be removed");
        } else {
            throw FsException.quiet(Errnos.ENOTDIR);
        }
    }

    void rename(String from, String to) throws IOException {
        renames.rename(from, to);
    }

    void chmod(String path, int mode) throws IOException {
        if (resolver.resolve(path) instanceof Node.Scratch s) {
            ScratchFiles.setPermissions(s.file(), mode);
        } else {
            attributes(path);
        }
    }

    void utimens(String path, Instant modified) throws IOException {
        if (resolver.resolve(path) instanceof Node.Scratch s) {
            Files.setLastModifiedTime(s.file(), FileTime.from(modified));
        } else {
            attributes(path);
        }
    }

    // ---- xattrs, status, unmount ------------------------------------------------------------

    /** The value of a user.blobsync attribute, or null. */
    String xattr(String path, String name) {
        return xattrs.value(resolver.resolve(path), path, name);
    }

    List<String> xattrNames(String path) {
        return xattrs.names(resolver.resolve(path), path);
    }

    /** Sets a user.blobsync attribute; only {@code priority} is writable. {@code value} null removes it. */
    void setXattr(String path, String name, String value) {
        Node node = resolver.resolve(path);
        if (name.equals(Xattrs.PRIORITY)) {
            xattrs.setPriority(node, value);
            return;
        } else if (name.startsWith(Xattrs.PREFIX)) {
            throw new FsException(Errnos.EPERM, name + " is read-only");
        }
        throw FsException.quiet(Errnos.EOPNOTSUPP);
    }

    /** How many of the newest conflicts {@code .blobsync/conflicts/} shows. */
    private static final int MAX_CONFLICTS = 500;

    private static String conflictName(ConflictVersion c) {
        return c.seq() + "-" + c.table() + "-" + c.id() + ".json";
    }

    byte[] statusBytes(String name) {
        if (name.startsWith(PathResolver.CONFLICTS_DIR + "/")) {
            String file = name.substring(PathResolver.CONFLICTS_DIR.length() + 1);
            for (ConflictVersion c : engine.conflicts(MAX_CONFLICTS)) {
                if (conflictName(c).equals(file)) {
                    return StatusReport.conflict(c);
                }
            }
            throw FsException.notFound();
        }
        if (name.equals(PathResolver.QUEUE_FILE)) {
            return StatusReport.queue(engine.offline().stats(), engine.offline().pending());
        }
        QueueStats queue;
        try {
            queue = engine.offline().stats();
        } catch (RuntimeException e) {
            // The status file still shows the record counts.
            queue = null;
        }
        return StatusReport.render(tables.values(), firstPull.loaded(), firstPull.received(), queue, handles.size(),
                notes.size());
    }

    /** Saves every open written file (before unmount), reporting the first failure. */
    void commitAll() throws IOException {
        IOException first = null;
        for (ContentFile file : openFiles.all()) {
            try {
                records.commit(file, tables.get(file.key.table()), "/" + file.key.table(), true);
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Closes every handle still open (after unmount). */
    void closeAll() {
        for (Long fh : List.copyOf(handles.keySet())) {
            try {
                release(fh, "/");
            } catch (IOException | RuntimeException e) {
                // The mount is gone; nothing can report it any more.
            }
        }
    }
}

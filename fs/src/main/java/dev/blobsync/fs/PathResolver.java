package dev.blobsync.fs;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.Record;
import dev.blobsync.engine.schema.FieldSchema;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/**
 * Turns a mount path into a {@link Node} using only in-memory state (the table indexes and the
 * open files), so lookups never wait for the engine.
 */
final class PathResolver {
    static final String STATUS_DIR = ".blobsync";
    static final String STATUS_FILE = "status.json";
    static final String QUEUE_FILE = "queue.json";
    static final String CONFLICTS_DIR = "conflicts";
    /** Folder, per table, of the scratch files that sit directly in the table folder. */
    static final String TABLE_SCRATCH = ".table";

    private final Map<String, TableIndex> tables;
    private final Path scratchRoot;
    private final OpenFiles openFiles;

    PathResolver(Map<String, TableIndex> tables, Path scratchRoot, OpenFiles openFiles) {
        this.tables = tables;
        this.scratchRoot = scratchRoot.toAbsolutePath().normalize();
        this.openFiles = openFiles;
    }

    /** The node {@code path} names now; ENOENT for any name {@code ls} does not show. */
    Node resolve(String path) {
        return resolve(path, false);
    }

    /**
     * The folder of {@code path}, to create or rename something in: like {@link #resolve}, and a
     * record folder's name from before a local meta.json edit renamed it answers too (libfuse
     * still addresses a working directory by it), as a folder in which only scratch files and
     * files open for writing are reachable ({@link Node.RecordDir#alias()}).
     */
    Node resolveParent(String path) {
        return resolve(path, true);
    }

    private Node resolve(String path, boolean asParent) {
        String[] parts = split(path);
        if (parts.length == 0) {
            return new Node.Root();
        }
        if (parts[0].equals(STATUS_DIR)) {
            if (parts.length == 1) {
                return new Node.StatusDir(false);
            }
            if (parts.length == 2 && (parts[1].equals(STATUS_FILE) || parts[1].equals(QUEUE_FILE))) {
                return new Node.StatusFile(parts[1]);
            }
            if (parts[1].equals(CONFLICTS_DIR)) {
                if (parts.length == 2) {
                    return new Node.StatusDir(true);
                }
                if (parts.length == 3 && parts[2].endsWith(".json")) {
                    return new Node.StatusFile(CONFLICTS_DIR + "/" + parts[2]);
                }
            }
            throw FsException.notFound();
        }
        TableIndex table = tables.get(parts[0]);
        if (table == null) {
            throw FsException.notFound();
        }
        if (parts.length == 1) {
            return new Node.TableDir(table);
        }
        if (parts.length == 2) {
            TableIndex.Entry former = asParent ? table.formerHolder(parts[1]) : null;
            return former != null ? new Node.RecordDir(table, former, true) : tableChild(table, parts[1]);
        }
        TableIndex.Entry entry = table.byName(parts[1]);
        boolean alias = false;
        if (entry == null) {
            entry = table.formerHolder(parts[1]);
            alias = entry != null;
        }
        if (entry == null) {
            // Below a table-level file, or below a missing record folder.
            throw FsException.notFound();
        }
        Node node;
        if (parts.length == 3) {
            node = recordChild(table, entry.record(), parts[2]);
        } else {
            // Deeper paths only exist inside scratch folders of a record.
            Path file = recordScratchDir(table, entry.record().id());
            for (int i = 2; i < parts.length; i++) {
                file = file.resolve(parts[i]);
            }
            node = new Node.Scratch(table, entry.record(), checkInside(file), parts[parts.length - 1]);
        }
        return alias ? throughAlias(node) : node;
    }

    /**
     * What a former folder name may reach: the folder's scratch files and files still open for
     * writing there, so an editor whose working directory it is can finish (remove its swap and
     * backup files, close). Never the record's files otherwise: they are ENOENT under it.
     */
    private Node throughAlias(Node node) {
        if (node instanceof Node.Scratch) {
            return node;
        } else if (node instanceof Node.Meta m && openFiles.find(
                new ContentFile.Key(m.table().name(), m.record().id(), ContentFile.META)) != null) {
            return node;
        } else if (node instanceof Node.Blob b && !b.alias() && openFiles.find(new ContentFile.Key(
                b.table().name(), b.record().id(), b.field().name())) instanceof OpenBlob ob
                && ob.fileName.equals(b.name())) {
            return node;
        }
        throw FsException.notFound();
    }

    /** The node {@code name} would be inside {@code parent}, existing or not. */
    Node child(Node parent, String name) {
        if (parent instanceof Node.TableDir t) {
            return tableChild(t.table(), name);
        } else if (parent instanceof Node.RecordDir r) {
            Node node = recordChild(r.table(), r.record(), name);
            return r.alias() ? throughAlias(node) : node;
        } else if (parent instanceof Node.Scratch s && Files.isDirectory(s.file(), LinkOption.NOFOLLOW_LINKS)) {
            return new Node.Scratch(s.table(), s.record(), s.file().resolve(name), name);
        } else if (parent instanceof Node.Root || parent instanceof Node.StatusDir) {
            throw new FsException(Errnos.EPERM, "nothing can be put here: tables come from the schema");
        }
        throw FsException.quiet(Errnos.ENOTDIR);
    }

    /**
     * {@code node} as something to write: an imported file's old name is no way to change the
     * record it went into, so writing to it (open for writing, create, truncate, a rename onto
     * it) imports a new file under that name, and the old name stops answering.
     */
    Node forWriting(Node node) {
        if (node instanceof Node.Blob b && b.alias()) {
            b.table().removeImportAlias(b.name());
            return new Node.Import(b.table(), b.name(), MimeTypes.forName(b.name()));
        }
        return node;
    }

    /** The node {@code name} would be inside the table folder. */
    Node tableChild(TableIndex table, String name) {
        TableIndex.Entry entry = table.byName(name);
        if (entry != null) {
            return new Node.RecordDir(table, entry, false);
        }
        TableIndex.ImportAlias alias = table.importAlias(name);
        if (alias != null) {
            TableIndex.Entry target = table.byId(alias.id());
            if (target != null) {
                FieldSchema field = table.schema().field(alias.field()).orElse(null);
                BlobRef ref = target.record().blob(alias.field());
                if (field != null && ref != null) {
                    return new Node.Blob(table, target.record(), field, ref, ref.type(), name, false, true);
                }
            }
        }
        Path scratch = checkInside(tableScratchDir(table).resolve(name));
        if (openFiles.find(new ContentFile.Key(table.name(), null, name)) != null) {
            return new Node.Import(table, name, MimeTypes.forName(name));
        }
        if (!Names.isTemporary(name) && !Files.exists(scratch, LinkOption.NOFOLLOW_LINKS)) {
            String mime = MimeTypes.forName(name);
            if (mime != null && table.schema().blobFieldFor(mime).isPresent()) {
                return new Node.Import(table, name, mime);
            }
        }
        return new Node.Scratch(table, null, scratch, name);
    }

    /** The node {@code name} would be inside the record's folder. */
    Node recordChild(TableIndex table, Record record, String name) {
        if (name.equals(ContentFile.META)) {
            return new Node.Meta(table, record, table.isHidden(record.id(), ContentFile.META));
        }
        String ext = Names.extension(name);
        if (!ext.isEmpty()) {
            String fieldName = Names.stem(name);
            FieldSchema field = table.schema().field(fieldName).orElse(null);
            if (field != null && field.type() == dev.blobsync.engine.schema.FieldType.BLOB) {
                BlobRef ref = record.blob(fieldName);
                boolean hidden = table.isHidden(record.id(), fieldName);
                if (ref != null && MimeTypes.extensionFor(ref.type(), ref.name()).equals(ext)) {
                    return new Node.Blob(table, record, field, ref, ref.type(), name, hidden, false);
                }
                String mime = MimeTypes.forExtension(ext);
                if (mime != null) {
                    return new Node.Blob(table, record, field, null, mime, name, hidden, false);
                }
            }
        }
        Path file = checkInside(recordScratchDir(table, record.id()).resolve(name));
        return new Node.Scratch(table, record, file, name);
    }

    Path recordScratchDir(TableIndex table, UUID id) {
        return scratchRoot.resolve(table.name()).resolve(id.toString());
    }

    Path tableScratchDir(TableIndex table) {
        return scratchRoot.resolve(table.name()).resolve(TABLE_SCRATCH);
    }

    /** Refuses any scratch path that would leave the scratch directory. */
    private Path checkInside(Path file) {
        Path normal = file.toAbsolutePath().normalize();
        if (!normal.startsWith(scratchRoot) || normal.equals(scratchRoot)) {
            throw new FsException(Errnos.EINVAL, "the name leaves its folder: " + file.getFileName());
        }
        return normal;
    }

    /** Splits "/a/b" into its checked components. */
    static String[] split(String path) {
        if (path == null || path.isEmpty() || path.equals("/")) {
            return new String[0];
        }
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        if (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        String[] parts = trimmed.split("/", -1);
        for (String part : parts) {
            Names.checkComponent(part);
        }
        return parts;
    }

    /** The path of the folder holding {@code path}. */
    static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    static String nameOf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}

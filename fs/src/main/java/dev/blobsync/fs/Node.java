package dev.blobsync.fs;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.Record;
import dev.blobsync.engine.schema.FieldSchema;
import java.nio.file.Path;

/** What a path in the mount names; produced by {@link PathResolver}. */
sealed interface Node {

    /** The mount's root: one folder per table and {@code .blobsync}. */
    record Root() implements Node {
    }

    /** {@code .blobsync}, the read-only status folder, or ({@code conflicts}) its {@code conflicts/} folder. */
    record StatusDir(boolean conflicts) implements Node {
    }

    /**
     * A read-only file in {@code .blobsync}: {@code status.json}, {@code queue.json}, or
     * {@code conflicts/<seq>-<table>-<id>.json}.
     */
    record StatusFile(String name) implements Node {
    }

    record TableDir(TableIndex table) implements Node {
    }

    /**
     * A record's folder. {@code alias}: reached by a name the folder had before a local edit
     * renamed it (only as the parent of a path); then only its scratch files and files open for
     * writing are reachable in it.
     */
    record RecordDir(TableIndex table, TableIndex.Entry entry, boolean alias) implements Node {
        Record record() {
            return entry.record();
        }
    }

    /** A record's meta.json; {@code hidden} after it was unlinked (the record is being removed). */
    record Meta(TableIndex table, Record record, boolean hidden) implements Node {
    }

    /**
     * A blob field's file {@code <field>.<ext>}. {@code ref} is the blob shown under this name, or
     * null when the name is free to create (the field is empty or shows another extension).
     * {@code alias} marks an imported file's old name, resolvable but not listed.
     */
    record Blob(TableIndex table, Record record, FieldSchema field, BlobRef ref, String mime, String name,
                boolean hidden, boolean alias) implements Node {
        boolean exists() {
            return ref != null && !hidden;
        }
    }

    /**
     * A local-only file or folder, kept under the engine's scratch directory; {@code record} is
     * null for a file directly in a table folder. It may not exist yet.
     */
    record Scratch(TableIndex table, Record record, Path file, String name) implements Node {
    }

    /** A name in a table folder whose type a blob field takes: written, it becomes a new record. */
    record Import(TableIndex table, String name, String mime) implements Node {
    }
}

package dev.blobsync.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * The shared state of a blob file or meta.json opened for writing: every file handle on the
 * same path shares one, so a truncate without a handle, a dup'd descriptor or a second writer
 * all see the same bytes. Its methods are synchronized on the instance.
 */
abstract sealed class ContentFile permits OpenBlob, OpenMeta {

    /**
     * What is open: a record's blob field or meta.json ({@code child} is the field name or
     * {@value #META}), or a file being imported into a table ({@code id} null, {@code child} the
     * file name).
     */
    record Key(String table, UUID id, String child) {
    }

    static final String META = "meta.json";

    final Key key;

    /** Number of file handles on this file; guarded by the {@link OpenFiles} registry. */
    int refs;

    ContentFile(Key key) {
        this.key = key;
    }

    abstract int read(ByteBuffer dst, long position) throws IOException;

    abstract void write(ByteBuffer src, long position) throws IOException;

    abstract void truncate(long size) throws IOException;

    abstract long size();

    /** True when bytes were written that the engine has not taken yet. */
    abstract boolean dirty();

    /** Frees local resources; uncommitted bytes are dropped. */
    abstract void close();
}

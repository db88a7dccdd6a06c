package dev.blobsync.fs;

import dev.blobsync.engine.BlobReader;
import java.nio.channels.FileChannel;

/** What an open file handle ({@code fi.fh}) refers to. */
sealed interface Handle {

    /** A blob opened read-only: positional reads straight from the engine's reader. */
    record BlobRead(BlobReader reader) implements Handle {
    }

    /** Bytes fixed at open (meta.json read-only, status.json). */
    record Bytes(byte[] bytes) implements Handle {
    }

    /** A blob file or meta.json opened for writing. */
    record Edit(ContentFile file) implements Handle {
    }

    /** A local scratch file. */
    record Scratch(FileChannel channel) implements Handle {
    }
}

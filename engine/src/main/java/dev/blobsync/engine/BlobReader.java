package dev.blobsync.engine;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Positional read access to one blob. Open it once per file handle; {@link #read} is cheap
 * and safe to call from several threads.
 */
public interface BlobReader extends Closeable {

    long size();

    /**
     * Reads up to {@code dst.remaining()} bytes at {@code position}.
     *
     * @return the number of bytes read, or -1 at the end of the blob
     */
    int read(ByteBuffer dst, long position) throws IOException;
}

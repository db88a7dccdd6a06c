package dev.blobsync.engine.cache;

import dev.blobsync.engine.BlobReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Reads a fully cached blob with positional reads on one open channel. */
final class FileBlobReader implements BlobReader {
    private final FileChannel channel;
    private final long size;

    FileBlobReader(Path file, long size) throws IOException {
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        this.size = size;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        if (position >= size) {
            return -1;
        }
        return channel.read(dst, position);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}

package dev.blobsync.engine.cache;

import dev.blobsync.engine.BlobReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/** The kinds of {@link BlobReader} the cache hands out. */
final class BlobReaders {
    /** The empty blob: its bytes are known, so it is never fetched. */
    static final BlobReader EMPTY = new BlobReader() {
        @Override
        public long size() {
            return 0;
        }

        @Override
        public int read(ByteBuffer dst, long position) {
            return -1;
        }

        @Override
        public void close() {
            // Nothing held.
        }
    };

    private BlobReaders() {
    }

    /** Reads a whole, verified cache file with positional reads on one channel. */
    static final class Complete implements BlobReader {
        private final FileChannel channel;
        private final long size;
        private final Runnable onClose;

        Complete(Path file, long size, Runnable onClose) throws IOException {
            this.channel = FileChannel.open(file, StandardOpenOption.READ);
            this.size = size;
            this.onClose = onClose;
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
            try {
                channel.close();
            } finally {
                onClose.run();
            }
        }
    }

    /**
     * Reads a partial blob: fetches the chunks a read needs and, on sequential access, a
     * read-ahead window in the background that doubles up to {@link #MAX_AHEAD} chunks.
     */
    static final class Partial implements BlobReader {
        static final int MAX_AHEAD = 16;

        private final PartialBlob blob;
        private final Executor background;
        private final Runnable onClose;
        private final Runnable onProgress;
        private long nextPosition = -1; // guarded by this
        private int ahead; // guarded by this
        private int aheadUntil = -1; // guarded by this

        Partial(PartialBlob blob, Executor background, Runnable onProgress, Runnable onClose) {
            this.blob = blob;
            this.background = background;
            this.onProgress = onProgress;
            this.onClose = onClose;
        }

        @Override
        public long size() {
            return blob.ref().size();
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            long size = blob.ref().size();
            if (position >= size) {
                return -1;
            }
            int len = (int) Math.min(dst.remaining(), size - position);
            int first = blob.chunkOf(position);
            int last = blob.chunkOf(position + len - 1);
            blob.ensure(first, last);
            scheduleReadAhead(position, len, last);
            onProgress.run();
            ByteBuffer view = dst.duplicate();
            view.limit(view.position() + len);
            int n = blob.channel().read(view, position);
            if (n > 0) {
                dst.position(dst.position() + n);
            }
            return n;
        }

        private void scheduleReadAhead(long position, int len, int last) {
            int from;
            int to;
            synchronized (this) {
                boolean sequential = position == nextPosition;
                nextPosition = position + len;
                ahead = sequential ? Math.min(MAX_AHEAD, Math.max(1, ahead * 2)) : 0;
                if (ahead == 0 || last + ahead <= aheadUntil) {
                    return;
                }
                from = Math.max(last + 1, aheadUntil + 1);
                to = Math.min(blob.chunkCount() - 1, last + ahead);
                aheadUntil = to;
            }
            if (from > to) {
                return;
            }
            try {
                background.execute(() -> {
                    try {
                        blob.ensure(from, to);
                        onProgress.run();
                    } catch (IOException | RuntimeException e) {
                        // The read that needs these chunks fetches them again and reports the error.
                    }
                });
            } catch (RejectedExecutionException e) {
                // Shutting down: no read-ahead.
            }
        }

        @Override
        public void close() {
            onClose.run();
        }
    }
}

package dev.blobsync.engine.cache;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.StorageException;
import dev.blobsync.engine.spi.ProviderException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A blob cached in part: a sparse file holding the chunks read so far, each checked against
 * the blob's chunk manifest before it is written, so no unverified byte is ever served.
 * Concurrent readers share one download per chunk. Internal to the engine.
 *
 * <p>Lock order: the cache's quota before this object's monitor; the monitor guards only the
 * bitmap and is never held during I/O with the provider.
 */
final class PartialBlob {
    /** What a partial blob needs from the cache around it. */
    interface Host {
        InputStream fetch(BlobRef ref, long offset, long length) throws ProviderException;

        void reserve(long bytes, BlobRef ref);

        void persist(PartialBlob blob, byte[] bitmap);

        void corrupt(BlobRef ref, String message);
    }

    private final BlobRef ref;
    private final ChunkManifest manifest;
    private final Path file;
    private final FileChannel channel;
    private final Host host;
    private final BitSet present; // guarded by this
    private final ConcurrentMap<Integer, CompletableFuture<Void>> fetching = new ConcurrentHashMap<>();
    private int readers; // guarded by the cache's partials map

    PartialBlob(BlobRef ref, ChunkManifest manifest, Path file, BitSet present, Host host) throws IOException {
        this.ref = ref;
        this.manifest = manifest;
        this.file = file;
        this.present = present;
        this.host = host;
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.SPARSE);
    }

    BlobRef ref() {
        return ref;
    }

    Path file() {
        return file;
    }

    FileChannel channel() {
        return channel;
    }

    int chunkOf(long position) {
        return (int) (position / manifest.chunkSize());
    }

    int chunkCount() {
        return manifest.count();
    }

    synchronized boolean has(int chunk) {
        return present.get(chunk);
    }

    synchronized boolean complete() {
        return present.cardinality() == manifest.count();
    }

    synchronized double fraction() {
        return manifest.count() == 0 ? 1 : present.cardinality() / (double) manifest.count();
    }

    synchronized byte[] bitmap() {
        return present.toByteArray();
    }

    int retain() {
        return ++readers;
    }

    int releaseReader() {
        return --readers;
    }

    /** Makes chunks {@code from..to} present, fetching what is missing; waits for all of them. */
    void ensure(int from, int to) throws IOException {
        to = Math.min(to, manifest.count() - 1);
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        int i = from;
        while (i <= to) {
            if (has(i)) {
                i++;
                continue;
            }
            CompletableFuture<Void> mine = new CompletableFuture<>();
            CompletableFuture<Void> other = fetching.putIfAbsent(i, mine);
            if (other != null) {
                waits.add(other);
                i++;
                continue;
            }
            int start = i;
            List<CompletableFuture<Void>> run = new ArrayList<>();
            run.add(mine);
            i++;
            while (i <= to && !has(i)) {
                CompletableFuture<Void> next = new CompletableFuture<>();
                if (fetching.putIfAbsent(i, next) != null) {
                    break;
                }
                run.add(next);
                i++;
            }
            fetchRun(start, run);
        }
        for (CompletableFuture<Void> w : waits) {
            try {
                w.join();
            } catch (CompletionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof IOException io) {
                    throw io;
                }
                throw cause instanceof RuntimeException r ? r : e;
            }
        }
    }

    private void fetchRun(int first, List<CompletableFuture<Void>> futures) throws IOException {
        int last = first + futures.size() - 1;
        try {
            try {
                fetchVerified(first, last);
            } catch (CorruptChunkException e) {
                // A corrupt transfer is discarded and fetched once more before giving up.
                fetchVerified(e.chunk, last);
            }
            for (CompletableFuture<Void> f : futures) {
                f.complete(null);
            }
        } catch (CorruptChunkException e) {
            String message = "The copy of " + describe() + " in the blob store is corrupt: chunk " + e.chunk
                    + " does not match its SHA-256. It was not used; the file cannot be read until the store"
                    + " holds the right bytes.";
            host.corrupt(ref, message);
            StorageException se = new StorageException(message);
            futures.forEach(f -> f.completeExceptionally(se));
            throw se;
        } catch (IOException | RuntimeException e) {
            futures.forEach(f -> f.completeExceptionally(e));
            throw e;
        } finally {
            for (int k = first; k <= last; k++) {
                fetching.remove(k);
            }
        }
    }

    private static final class CorruptChunkException extends IOException {
        final int chunk;

        CorruptChunkException(int chunk) {
            super("chunk " + chunk + " is corrupt");
            this.chunk = chunk;
        }
    }

    private void fetchVerified(int first, int last) throws IOException {
        int cs = manifest.chunkSize();
        long offset = (long) first * cs;
        long end = Math.min(ref.size(), (long) (last + 1) * cs);
        host.reserve(end - offset, ref);
        byte[] buf = new byte[cs];
        try (InputStream in = host.fetch(ref, offset, end - offset)) {
            for (int k = first; k <= last; k++) {
                int n = (int) Math.min(cs, ref.size() - (long) k * cs);
                int got = in.readNBytes(buf, 0, n);
                if (got != n) {
                    throw new IOException("the blob store sent " + got + " of " + n + " bytes of chunk " + k
                            + " of " + describe());
                }
                ByteBuffer data = ByteBuffer.wrap(buf, 0, n);
                if (!manifest.matches(k, data)) {
                    throw new CorruptChunkException(k);
                }
                long pos = (long) k * cs;
                while (data.hasRemaining()) {
                    pos += channel.write(data, pos);
                }
                // The bitmap is persisted only after the bytes are on disk: a crash must never
                // leave a chunk marked present that holds zeros.
                channel.force(false);
                synchronized (this) {
                    present.set(k);
                }
                CompletableFuture<Void> f = fetching.get(k);
                if (f != null) {
                    f.complete(null);
                }
            }
        } catch (ProviderException e) {
            throw new IOException(e.getMessage(), e);
        } finally {
            host.persist(this, bitmap());
        }
    }

    String describe() {
        return (ref.name() == null ? "blob" : "'" + ref.name() + "'") + " (SHA-256 " + ref.sha256().substring(0, 12)
                + "…)";
    }

    void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // A cache file that does not close holds nothing we need.
        }
    }
}

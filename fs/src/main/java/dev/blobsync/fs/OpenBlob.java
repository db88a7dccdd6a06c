package dev.blobsync.fs;

import dev.blobsync.engine.BlobReader;
import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.QuotaExceededException;
import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.internal.DiskFull;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A blob file open for writing. Bytes go to a staging file in the engine's staging folder,
 * created lazily: the current blob is copied in only when a write or a partial truncate needs
 * it, so the usual "open, truncate to 0, write" never copies. At commit the staging file is
 * moved into the engine ({@link SyncEngine#putBlob} with {@code move}); later writes on the
 * same handle start a new staging file from the stored blob.
 *
 * <p>Room is asked of the engine before bytes are taken ({@code CacheControl.writeRoom}: the
 * upload queue and the cache's disk). A write or truncate that fails leaves the file incomplete:
 * from then on every write and commit fails with the same reason, so a failed copy never becomes
 * a record (until the file is truncated to 0 and written again). A stored blob that no record
 * took is given back to the engine at the last close ({@link SyncEngine#discardBlob}).
 */
final class OpenBlob extends ContentFile {
    private static final int COPY_CHUNK = 1 << 20;

    private final SyncEngine engine;
    /** The MIME type the written bytes get, from the file name. */
    final String mime;
    /** The file name the blob is stored with ({@link BlobRef#name()}). */
    final String fileName;

    // guarded by this
    private BlobRef base;
    private BlobReader baseReader;
    private Path stagingPath;
    private FileChannel staging;
    private long size;
    private boolean dirty;
    private boolean discarded;
    /** Why the bytes written so far are incomplete; null while nothing failed. */
    private FsException failure;
    /** A blob stored by a commit that no record has taken yet. */
    private BlobRef uncommitted;
    private java.util.UUID importedInto;

    /** @param base the blob the file holds now, or null for a new file */
    OpenBlob(Key key, SyncEngine engine, BlobRef base, String mime, String fileName) {
        super(key);
        this.engine = engine;
        this.base = base;
        this.mime = mime;
        this.fileName = fileName;
        this.size = base == null ? 0 : base.size();
    }

    private void materializeLocked() throws IOException {
        if (staging != null) {
            return;
        }
        Path dir = engine.stagingDirectory();
        Files.createDirectories(dir);
        stagingPath = Files.createTempFile(dir, "fs-", ".part");
        staging = FileChannel.open(stagingPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
        if (base != null && size > 0) {
            // An in-place edit of an existing blob: it starts from the current bytes.
            ByteBuffer chunk = ByteBuffer.allocate(COPY_CHUNK);
            long pos = 0;
            BlobReader reader = readerLocked();
            while (pos < size) {
                chunk.clear();
                int n = reader.read(chunk, pos);
                if (n < 0) {
                    break;
                }
                chunk.flip();
                while (chunk.hasRemaining()) {
                    pos += staging.write(chunk, pos);
                }
            }
            size = pos;
        }
        closeReaderLocked();
    }

    private BlobReader readerLocked() {
        if (baseReader == null) {
            baseReader = engine.openBlob(base);
        }
        return baseReader;
    }

    private void closeReaderLocked() {
        if (baseReader != null) {
            try {
                baseReader.close();
            } catch (IOException e) {
                // Nothing was written through it; a failing close loses nothing.
            }
            baseReader = null;
        }
    }

    @Override
    synchronized int read(ByteBuffer dst, long position) throws IOException {
        if (position >= size) {
            return 0;
        }
        int limit = dst.limit();
        if (dst.remaining() > size - position) {
            dst.limit(dst.position() + (int) (size - position));
        }
        try {
            int total = 0;
            while (dst.hasRemaining()) {
                int n = staging != null ? staging.read(dst, position + total)
                        : base != null ? readerLocked().read(dst, position + total) : -1;
                if (n <= 0) {
                    break;
                }
                total += n;
            }
            return total;
        } finally {
            dst.limit(limit);
        }
    }

    /** The size the engine allowed the file to grow to when last asked; -1 before the first write. */
    private long room = -1;

    /**
     * Refuses a write that would grow the file past what the upload queue or the cache's disk
     * still allows, before any byte is taken: the user sees ENOSPC at once, with the reason,
     * instead of at close. The engine is asked at the first write and again only when the file
     * outgrows what it allowed.
     */
    private void checkRoomLocked(long newSize) {
        if (room >= 0 && newSize <= room) {
            return;
        }
        try {
            room = engine.cache().writeRoom(fileName, newSize, staging != null ? size : 0);
        } catch (RuntimeException e) {
            throw failedLocked(e);
        }
    }

    /**
     * What was written so far is incomplete: it must not become a blob, now or at close, and its
     * staging file goes at once, giving its room back.
     */
    private FsException failedLocked(Throwable e) {
        dropStagingLocked();
        if (e instanceof FsException fe) {
            failure = fe;
        } else if (e instanceof QuotaExceededException || DiskFull.is(e)) {
            failure = new FsException(Errnos.ENOSPC, e instanceof QuotaExceededException ? e.getMessage()
                    : "the disk holding the cache folder " + engine.stagingDirectory().getParent() + " is full, so "
                            + fileName + " could not be written. Free space on that disk, or wait until queued"
                            + " uploads finish (blobsync queue), then write it again.");
        } else {
            failure = new FsException(Errnos.EIO, fileName + " could not be written to the cache folder "
                    + engine.stagingDirectory().getParent() + ": " + e.getMessage());
        }
        return failure;
    }

    private void checkNotFailedLocked() {
        if (failure != null) {
            throw failure;
        }
    }

    /** Why this file cannot be stored, or null. */
    FsException failureLocked() {
        return failure;
    }

    @Override
    synchronized void write(ByteBuffer src, long position) throws IOException {
        checkNotFailedLocked();
        checkRoomLocked(Math.max(size, position + src.remaining()));
        try {
            materializeLocked();
            long pos = position;
            while (src.hasRemaining()) {
                pos += staging.write(src, pos);
            }
            size = Math.max(size, pos);
        } catch (IOException | RuntimeException e) {
            throw failedLocked(e);
        }
        dirty = true;
    }

    @Override
    synchronized void truncate(long newSize) throws IOException {
        if (newSize == 0) {
            // Starting over: what failed before no longer matters.
            failure = null;
        }
        checkNotFailedLocked();
        if (newSize > size) {
            checkRoomLocked(newSize);
        }
        if (newSize == 0 && staging == null) {
            base = null;
            size = 0;
        }
        try {
            materializeLocked();
            if (newSize < size) {
                staging.truncate(newSize);
            } else if (newSize > size) {
                staging.write(ByteBuffer.wrap(new byte[1]), newSize - 1);
            }
        } catch (IOException | RuntimeException e) {
            throw failedLocked(e);
        }
        size = newSize;
        dirty = true;
    }

    @Override
    synchronized long size() {
        return size;
    }

    @Override
    synchronized boolean dirty() {
        return dirty && !discarded && failure == null;
    }

    /** The file was unlinked before it was committed: drop its bytes at commit. */
    synchronized void discard() {
        discarded = true;
    }

    /**
     * Hands the written bytes to the engine and returns their reference; call with the monitor
     * held. Without new bytes since the last store (a retried commit) it returns the stored blob.
     */
    BlobRef storeLocked() throws IOException {
        checkNotFailedLocked();
        if (staging == null) {
            if (base == null) {
                // Created and never written: an empty blob.
                materializeLocked();
            } else {
                return base;
            }
        }
        staging.force(true);
        staging.close();
        staging = null;
        BlobRef stored;
        try {
            stored = engine.putBlob(stagingPath, mime, fileName, true);
        } catch (RuntimeException e) {
            // The bytes stay staged: a later commit (the last close) tries again, and close()
            // removes them when none succeeds.
            staging = FileChannel.open(stagingPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
            throw e;
        }
        stagingPath = null;
        base = stored;
        uncommitted = stored;
        size = base.size();
        return base;
    }

    /** The record an imported file became; later commits update it. Null before the first import. */
    java.util.UUID importedIntoLocked() {
        return importedInto;
    }

    void importedIntoLocked(java.util.UUID id) {
        importedInto = id;
    }

    /** The engine took the bytes and the record points at them. */
    void committedLocked() {
        dirty = false;
        uncommitted = null;
    }

    private void dropStagingLocked() {
        if (staging != null) {
            try {
                staging.close();
            } catch (IOException e) {
                // Closing a channel we only wrote through loses nothing more.
            }
            staging = null;
        }
        if (stagingPath != null) {
            try {
                Files.deleteIfExists(stagingPath);
            } catch (IOException e) {
                // The engine clears its staging folder at the next start.
            }
            stagingPath = null;
        }
    }

    @Override
    synchronized void close() {
        closeReaderLocked();
        if (uncommitted != null) {
            // Stored, but no record took it: nothing is kept for a write that failed.
            try {
                engine.discardBlob(uncommitted);
            } catch (RuntimeException e) {
                // The engine removes it at its next start.
            }
            uncommitted = null;
        }
        dropStagingLocked();
    }
}

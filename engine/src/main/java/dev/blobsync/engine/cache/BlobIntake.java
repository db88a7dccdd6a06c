package dev.blobsync.engine.cache;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.QuotaExceededException;
import dev.blobsync.engine.StorageException;
import dev.blobsync.engine.config.Sizes;
import dev.blobsync.engine.internal.DiskFull;
import dev.blobsync.engine.internal.FileModes;
import dev.blobsync.engine.internal.FileSync;
import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.store.BlobIndex;
import dev.blobsync.engine.store.BlobRow;
import dev.blobsync.engine.store.LocalStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * How bytes written on this device enter the cache: hashed (whole and per chunk), moved into
 * {@code <cache>/blobs/ab/abcd…} and indexed dirty, durable when {@link #put} returns. The
 * upload is queued later, in the transaction of the record change that refers to the blob
 * ({@code BlobIndex.enqueueUpload}), so a write that fails before its record change leaves
 * nothing to upload.
 *
 * <p>Room is asked for before bytes are written ({@link #writeRoom}): the upload queue
 * ({@code offline.maxQueueSize}) and the disk under the cache ({@code cache.minFreeDisk}), so a
 * full disk refuses a write with a reason instead of starving the local store. A blob put here
 * that no record change refers to is <em>claimed</em> by its writer until that writer refers to
 * it ({@link #referenced}) or gives it up ({@link #release}); a blob nobody claims and nothing
 * refers to may be removed. The empty blob is never queued: its bytes are known everywhere.
 */
final class BlobIntake {
    private final Path cacheDir;
    private final Path staging;
    private final LocalStore store;
    private final CacheQuota quota;
    private final long maxQueueSize;
    private final Function<String, Path> pathOf;
    private final Function<String, String> priorityHint;
    /** Writers holding a put blob that no record change refers to yet, per SHA-256. */
    private final Map<String, Integer> claims = new ConcurrentHashMap<>();

    BlobIntake(Path cacheDir, Path staging, LocalStore store, CacheQuota quota, long maxQueueSize,
               Function<String, Path> pathOf, Function<String, String> priorityHint) {
        this.cacheDir = cacheDir;
        this.staging = staging;
        this.store = store;
        this.quota = quota;
        this.maxQueueSize = maxQueueSize;
        this.pathOf = pathOf;
        this.priorityHint = priorityHint;
    }

    /**
     * Stores {@code file} as a dirty blob; durable when this returns. With {@code move} the file
     * is renamed into the cache (it must be on the same file system); when this fails it is left
     * where it was, for the caller to retry or delete.
     */
    BlobRef put(Path file, String type, String name, boolean move) {
        String what = name != null ? name : file.getFileName().toString();
        try {
            ChunkManifest.Hashes h = ChunkManifest.hash(file);
            // Refused before anything is stored: a full queue leaves no half-written blob behind.
            checkQueueRoom(h.sha256(), h.size(), what);
            String chunks = h.manifest() == null ? null : putBytes(h.manifest().toBytes(), ChunkManifest.TYPE, what);
            Path target = pathOf.apply(h.sha256());
            if (!Files.exists(target)) {
                // Moved bytes are on the cache's disk already: they need quota, not more disk.
                quota.reserve(h.size(), move ? CacheQuota.Purpose.MOVE : CacheQuota.Purpose.WRITE, what);
                FileModes.PRIVATE.createDirectories(target.getParent());
                if (move) {
                    FileSync.fsync(file);
                    FileSync.moveDurably(file, target);
                } else {
                    Path tmp = FileModes.PRIVATE.createFile(staging.resolve("copy-" + java.util.UUID.randomUUID()
                            + ".tmp"));
                    try {
                        Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
                        FileSync.fsync(tmp);
                        FileSync.moveDurably(tmp, target);
                    } finally {
                        Files.deleteIfExists(tmp);
                    }
                }
            } else if (move) {
                Files.delete(file);
            }
            index(h.sha256(), h.size(), type);
            return new BlobRef(h.sha256(), h.size(), type, name, chunks);
        } catch (IOException e) {
            throw failed(what, e);
        }
    }

    /** Stores the bytes of {@code in} as a dirty blob; does not close {@code in}. */
    BlobRef put(InputStream in, String type, String name) {
        Path tmp = null;
        try {
            tmp = FileModes.PRIVATE.createFile(staging.resolve("in-" + java.util.UUID.randomUUID() + ".tmp"));
            try (OutputStream out = Files.newOutputStream(tmp)) {
                in.transferTo(out);
            }
            BlobRef ref = put(tmp, type, name, true);
            tmp = null;
            return ref;
        } catch (IOException e) {
            throw failed(name == null ? "a blob" : name, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    // The next start clears the staging folder.
                }
            }
        }
    }

    private RuntimeException failed(String what, IOException e) {
        if (DiskFull.is(e)) {
            return new QuotaExceededException("'" + what + "' cannot be stored: the disk holding the cache folder "
                    + cacheDir + " is full. Free space on that disk, or wait until queued uploads finish (blobsync"
                    + " queue), then write it again.", e);
        }
        return new StorageException("Cannot store '" + what + "' in the cache " + cacheDir + ": " + e.getMessage(), e);
    }

    private String putBytes(byte[] bytes, String type, String what) throws IOException {
        String sha = Hashing.sha256(new ByteArrayInputStream(bytes));
        Path target = pathOf.apply(sha);
        if (!Files.exists(target)) {
            quota.reserve(bytes.length, CacheQuota.Purpose.WRITE, "the chunk list of " + what);
            FileModes.PRIVATE.createDirectories(target.getParent());
            Path tmp = FileModes.PRIVATE.createFile(staging.resolve("manifest-" + java.util.UUID.randomUUID()
                    + ".tmp"));
            try {
                Files.write(tmp, bytes);
                FileSync.fsync(tmp);
                FileSync.moveDurably(tmp, target);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        index(sha, bytes.length, type);
        return sha;
    }

    private void index(String sha, long size, String type) {
        boolean claim = store.write(c -> {
            Optional<BlobRow> row = BlobIndex.get(c, sha);
            boolean clean = size == 0 || row.map(b -> !b.dirty()).orElse(false);
            BlobIndex.put(c, sha, size, type, !clean, priorityHint.apply(sha));
            return !clean && row.map(b -> !b.referenced()).orElse(true);
        });
        if (claim) {
            claims.merge(sha, 1, Integer::sum);
        }
    }

    /** A record change now refers to {@code sha}: its writer's claim is no longer needed. */
    void referenced(String sha) {
        claims.remove(sha);
    }

    /** A writer gives up its claim on {@code sha}; true when no writer claims it any more. */
    boolean release(String sha) {
        return claims.compute(sha, (k, n) -> n == null || n <= 1 ? null : n - 1) == null;
    }

    /**
     * Fails with {@link QuotaExceededException} when queueing {@code size} more bytes would pass
     * {@code offline.maxQueueSize}. Bytes already cached or queued cost nothing.
     */
    private void checkQueueRoom(String sha, long size, String what) {
        long queued = store.read(c -> BlobIndex.get(c, sha).isPresent() ? -1L : BlobIndex.queuedBytes(c));
        if (queued >= 0 && queued + size > maxQueueSize) {
            throw queueFull(queued, size, what);
        }
    }

    private QuotaExceededException queueFull(long queued, long size, String what) {
        return new QuotaExceededException("The upload queue is full: it holds " + Sizes.format(queued) + " of "
                + Sizes.format(maxQueueSize) + " (offline.maxQueueSize), and '" + what + "' needs "
                + Sizes.format(size) + ". Wait until queued uploads finish (blobsync flush), or raise"
                + " offline.maxQueueSize.");
    }

    /** Bytes {@code offline.maxQueueSize} still allows. */
    long queueRoom() {
        return Math.max(0, maxQueueSize - store.read(BlobIndex::queuedBytes));
    }

    /**
     * Room for a file being written into the staging folder that is to hold {@code size} bytes,
     * {@code staged} of which are on disk already: evicts clean blobs when the disk needs room,
     * and returns the size the file may grow to before asking again.
     *
     * @throws QuotaExceededException naming the limit, when {@code size} does not fit
     */
    long writeRoom(String what, long size, long staged) {
        long queued = store.read(BlobIndex::queuedBytes);
        if (queued + size > maxQueueSize) {
            throw queueFull(queued, size, what);
        }
        long floor = quota.minFreeDisk();
        long growth = Math.max(0, size - staged);
        if (quota.freeDisk() - growth < floor) {
            quota.makeDiskRoom(growth);
        }
        long free = quota.freeDisk();
        if (free - growth < floor) {
            throw new QuotaExceededException("'" + what + "' (" + Sizes.format(size) + ") does not fit: the disk"
                    + " holding the cache folder " + cacheDir + " has " + Sizes.format(Math.max(0, free))
                    + " free, and cache.minFreeDisk keeps " + Sizes.format(floor) + " of it free; "
                    + Sizes.format(quota.used()) + " of the cache wait for upload or are pinned or open. Free space on"
                    + " that disk, or wait until queued uploads finish (blobsync queue), then write it again.");
        }
        return Math.min(maxQueueSize - queued, staged + free - floor);
    }
}

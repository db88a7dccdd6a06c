package dev.blobsync.engine.cache;

import dev.blobsync.engine.BlobReader;
import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.BlobState;
import dev.blobsync.engine.NotFoundException;
import dev.blobsync.engine.OfflineException;
import dev.blobsync.engine.StorageException;
import dev.blobsync.engine.internal.FileSync;
import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.spi.BlobProvider;
import dev.blobsync.engine.spi.ProviderException;
import dev.blobsync.engine.store.BlobIndex;
import dev.blobsync.engine.store.LocalStore;
import dev.blobsync.engine.store.UploadRow;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Content-addressed blob files on local disk ({@code <cache>/blobs/ab/abcd…}) and their index.
 * Internal to the engine.
 *
 * <p>A blob enters the cache either written here (dirty, queued for upload in the same
 * transaction that indexes it) or fetched from the blob provider (clean, checked against its
 * SHA-256 before it counts). Concurrent readers of a blob that is not cached share one fetch.
 */
public final class BlobCache {
    private final Path blobs;
    private final Path staging;
    private final Path downloads;
    private final LocalStore store;
    private final BlobProvider provider;
    private final ConcurrentMap<String, CompletableFuture<Path>> fetches = new ConcurrentHashMap<>();
    private final Set<String> uploading = ConcurrentHashMap.newKeySet();

    public BlobCache(Path directory, LocalStore store, BlobProvider provider) {
        this.blobs = directory.resolve("blobs");
        this.staging = directory.resolve("staging");
        this.downloads = directory.resolve("downloads");
        this.store = store;
        this.provider = provider;
        try {
            Files.createDirectories(blobs);
            Files.createDirectories(staging);
            Files.createDirectories(downloads);
        } catch (IOException e) {
            throw new StorageException("Cannot create the cache folder " + directory + ": " + e.getMessage(), e);
        }
    }

    public Path stagingDirectory() {
        return staging;
    }

    /** Where blob {@code sha} lives when cached. */
    public Path pathOf(String sha) {
        return blobs.resolve(sha.substring(0, 2)).resolve(sha);
    }

    /**
     * Stores {@code file} as a dirty blob and queues its upload; durable when this returns.
     * With {@code move} the file is renamed into the cache (it must be on the same file system).
     */
    public BlobRef put(Path file, String type, String name, boolean move) {
        try {
            String sha = Hashing.sha256(file);
            long size = Files.size(file);
            Path target = pathOf(sha);
            if (Files.exists(target)) {
                if (move) {
                    Files.delete(file);
                }
            } else {
                Files.createDirectories(target.getParent());
                if (move) {
                    FileSync.fsync(file);
                    FileSync.moveDurably(file, target);
                } else {
                    Path tmp = Files.createTempFile(staging, "copy-", ".tmp");
                    Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
                    FileSync.fsync(tmp);
                    FileSync.moveDurably(tmp, target);
                }
            }
            index(sha, size, type);
            return new BlobRef(sha, size, type, name);
        } catch (IOException e) {
            throw new StorageException("Cannot store " + file.getFileName() + " in the cache " + blobs + ": "
                    + e.getMessage(), e);
        }
    }

    /** Stores the bytes of {@code in} as a dirty blob; does not close {@code in}. */
    public BlobRef put(InputStream in, String type, String name) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile(staging, "in-", ".tmp");
            MessageDigest md = Hashing.sha256();
            long size;
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), md)) {
                size = in.transferTo(out);
            }
            String sha = Hashing.hex(md);
            Path target = pathOf(sha);
            if (Files.exists(target)) {
                Files.delete(tmp);
            } else {
                Files.createDirectories(target.getParent());
                FileSync.fsync(tmp);
                FileSync.moveDurably(tmp, target);
            }
            tmp = null;
            index(sha, size, type);
            return new BlobRef(sha, size, type, name);
        } catch (IOException e) {
            throw new StorageException("Cannot store " + (name == null ? "a blob" : name) + " in the cache "
                    + blobs + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // A left-over temp file in staging is harmless.
                }
            }
        }
    }

    private void index(String sha, long size, String type) {
        store.write(c -> {
            boolean known = BlobIndex.get(c, sha).map(b -> !b.dirty()).orElse(false);
            if (!known) {
                BlobIndex.put(c, sha, size, type, true);
                BlobIndex.enqueueUpload(c, sha, size);
            } else {
                BlobIndex.put(c, sha, size, type, false);
            }
            return null;
        });
    }

    /** Opens {@code ref} for reading, fetching it whole when it is not cached. */
    public BlobReader open(BlobRef ref) {
        Path local = pathOf(ref.sha256());
        if (!Files.exists(local)) {
            local = fetch(ref);
        }
        try {
            return new FileBlobReader(local, ref.size());
        } catch (IOException e) {
            throw new StorageException("Cannot open the cached copy of " + describe(ref) + " at " + local + ": "
                    + e.getMessage(), e);
        }
    }

    private Path fetch(BlobRef ref) {
        CompletableFuture<Path> mine = new CompletableFuture<>();
        CompletableFuture<Path> running = fetches.putIfAbsent(ref.sha256(), mine);
        if (running != null) {
            try {
                return running.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        try {
            Path p = download(ref);
            mine.complete(p);
            return p;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            fetches.remove(ref.sha256(), mine);
        }
    }

    private Path download(BlobRef ref) {
        Path tmp = downloads.resolve(ref.sha256() + "." + UUID.randomUUID() + ".part");
        try {
            MessageDigest md = Hashing.sha256();
            long size;
            try (InputStream in = provider.read(ref.sha256(), 0, -1);
                 OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), md)) {
                size = in.transferTo(out);
            }
            String actual = Hashing.hex(md);
            if (!actual.equals(ref.sha256()) || size != ref.size()) {
                throw new StorageException("The copy of " + describe(ref) + " in " + provider.describe()
                        + " is corrupt: it has " + size + " bytes with SHA-256 " + actual + ". It was not used.");
            }
            Path target = pathOf(ref.sha256());
            Files.createDirectories(target.getParent());
            FileSync.moveDurably(tmp, target);
            store.write(c -> {
                BlobIndex.put(c, ref.sha256(), ref.size(), ref.type(), false);
                return null;
            });
            return target;
        } catch (ProviderException e) {
            if (e.retryable()) {
                throw new OfflineException(describe(ref) + " is not on this device, and " + provider.describe()
                        + " cannot be reached: " + e.getMessage(), e);
            }
            throw new NotFoundException(describe(ref) + " cannot be fetched: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new OfflineException(describe(ref) + " is not on this device, and fetching it from "
                    + provider.describe() + " failed: " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // Left-over partial downloads are removed on the next start.
            }
        }
    }

    /** Where {@code ref} stands on this device. */
    public BlobState state(BlobRef ref) {
        Optional<UploadRow> up = store.read(c -> BlobIndex.upload(c, ref.sha256()));
        if (up.isPresent()) {
            if (uploading.contains(ref.sha256())) {
                return BlobState.UPLOADING;
            }
            return up.get().lastError() != null ? BlobState.ERROR : BlobState.QUEUED;
        }
        return Files.exists(pathOf(ref.sha256())) ? BlobState.CACHED : BlobState.REMOTE;
    }

    /** Marks {@code sha} as being uploaded now (for {@link #state}). */
    public void uploading(String sha, boolean now) {
        if (now) {
            uploading.add(sha);
        } else {
            uploading.remove(sha);
        }
    }

    private static String describe(BlobRef ref) {
        return (ref.name() == null ? "blob" : "'" + ref.name() + "'") + " (SHA-256 " + ref.sha256().substring(0, 12)
                + "…, " + ref.size() + " bytes)";
    }
}

package dev.blobsync.engine.cache;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.OfflineException;
import dev.blobsync.engine.StorageException;
import dev.blobsync.engine.internal.DiskFull;
import dev.blobsync.engine.internal.FileModes;
import dev.blobsync.engine.internal.FileSync;
import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.internal.LogLimiter;
import dev.blobsync.engine.spi.BlobProvider;
import dev.blobsync.engine.spi.ProviderException;
import dev.blobsync.engine.store.BlobIndex;
import dev.blobsync.engine.store.LocalStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blobs fetched whole from the provider (chunk lists, and blobs without one): one download per
 * blob for all concurrent readers, into {@code <cache>/downloads}, checked against its SHA-256
 * before it enters the cache; a corrupt transfer is fetched once more. Failures become messages
 * for the user: which blob (the one asked for, also when its chunk list failed), its size,
 * which store, and what to do; exception details go to the log, rate-limited. A provider that
 * cannot be reached is reported to {@link #onUnreachable}.
 */
final class WholeFetches {
    private static final Logger LOG = LoggerFactory.getLogger(WholeFetches.class);

    private final Path cacheDir;
    private final Path downloads;
    private final LocalStore store;
    private final BlobProvider provider;
    private final CacheQuota quota;
    private final Function<String, Path> pathOf;
    private final Function<String, String> priorityHint;
    private final ConcurrentMap<String, String> errors;
    private final ConcurrentMap<String, CompletableFuture<Path>> running = new ConcurrentHashMap<>();
    private final LogLimiter logLimit = LogLimiter.standard();
    private volatile Consumer<String> unreachable = why -> { };

    WholeFetches(Path cacheDir, Path downloads, LocalStore store, BlobProvider provider, CacheQuota quota,
                 Function<String, Path> pathOf, Function<String, String> priorityHint,
                 ConcurrentMap<String, String> errors) {
        this.cacheDir = cacheDir;
        this.downloads = downloads;
        this.store = store;
        this.provider = provider;
        this.quota = quota;
        this.pathOf = pathOf;
        this.priorityHint = priorityHint;
        this.errors = errors;
    }

    void onUnreachable(Consumer<String> listener) {
        this.unreachable = listener;
    }

    /** True while {@code sha} is being fetched. */
    boolean fetching(String sha) {
        return running.containsKey(sha);
    }

    /** The chunk list of {@code ref}, from the cache or fetched whole and checked. */
    ChunkManifest manifest(BlobRef ref) throws IOException {
        BlobRef mref = new BlobRef(ref.chunks(), 32L * ((ref.size() + ChunkManifest.CHUNK - 1) / ChunkManifest.CHUNK)
                + 13, ChunkManifest.TYPE, null);
        Path file;
        try {
            file = Files.exists(pathOf.apply(mref.sha256())) ? pathOf.apply(mref.sha256()) : fetch(mref);
        } catch (OfflineException e) {
            // The chunk list is fetched first; the user asked for the blob, so the message is about it.
            throw offline(ref, e.getCause());
        } catch (StorageException e) {
            String message = BlobCache.describe(ref) + " cannot be fetched: its chunk list cannot be read ("
                    + e.getMessage() + ")";
            errors.put(ref.sha256(), message);
            throw new StorageException(message, e);
        }
        ChunkManifest m;
        try {
            m = ChunkManifest.parse(Files.readAllBytes(file));
        } catch (IllegalArgumentException e) {
            throw new StorageException("The chunk list of " + BlobCache.describe(ref) + " is unreadable: " + e.getMessage());
        }
        if (!m.fits(ref.size())) {
            throw new StorageException("The chunk list of " + BlobCache.describe(ref) + " does not match its size.");
        }
        return m;
    }

    /** Fetches {@code ref} whole into the cache, once for all concurrent callers; returns its file. */
    Path fetch(BlobRef ref) {
        CompletableFuture<Path> mine = new CompletableFuture<>();
        CompletableFuture<Path> other = running.putIfAbsent(ref.sha256(), mine);
        if (other != null) {
            try {
                return other.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        try {
            Path p;
            try {
                p = download(ref);
            } catch (CorruptDownloadException e) {
                // A corrupt transfer is discarded and fetched once more before giving up.
                p = download(ref);
            }
            mine.complete(p);
            return p;
        } catch (CorruptDownloadException e) {
            errors.put(ref.sha256(), e.getMessage());
            StorageException se = new StorageException(e.getMessage());
            mine.completeExceptionally(se);
            throw se;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            running.remove(ref.sha256(), mine);
        }
    }

    private static final class CorruptDownloadException extends RuntimeException {
        CorruptDownloadException(String message) {
            super(message);
        }
    }

    private Path download(BlobRef ref) {
        quota.reserve(ref.size(), CacheQuota.Purpose.READ, BlobCache.describe(ref));
        Path tmp = downloads.resolve(ref.sha256() + "." + UUID.randomUUID() + ".part");
        boolean stored = false;
        try {
            FileModes.PRIVATE.createFile(tmp);
            MessageDigest md = Hashing.sha256();
            long size;
            try (InputStream in = provider.read(ref.sha256(), 0, -1);
                 OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), md)) {
                size = in.transferTo(out);
            }
            String actual = Hashing.hex(md);
            if (!actual.equals(ref.sha256()) || size != ref.size()) {
                throw new CorruptDownloadException("The copy of " + BlobCache.describe(ref) + " in " + provider.describe()
                        + " is corrupt: it has " + size + " bytes with SHA-256 " + actual + ". It was not used;"
                        + " the file cannot be read until the store holds the right bytes.");
            }
            Path target = pathOf.apply(ref.sha256());
            FileModes.PRIVATE.createDirectories(target.getParent());
            FileSync.moveDurably(tmp, target);
            store.write(c -> {
                BlobIndex.put(c, ref.sha256(), ref.size(), ref.type(), false, priorityHint.apply(ref.sha256()));
                return null;
            });
            stored = true;
            errors.remove(ref.sha256());
            return target;
        } catch (ProviderException e) {
            if (e.retryable()) {
                throw offline(ref, e);
            }
            String message = BlobCache.describe(ref) + " cannot be fetched: " + e.getMessage();
            errors.put(ref.sha256(), message);
            throw new StorageException(message, e);
        } catch (IOException e) {
            throw localFailure(ref, e);
        } finally {
            if (!stored) {
                quota.release(ref.size());
            }
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                // The next start clears the downloads folder.
            }
        }
    }

    /** The provider did not answer: the user reads what is missing, where from, and what to do. */
    private OfflineException offline(BlobRef ref, Throwable cause) {
        String why = cause == null ? "no answer" : cause.getMessage();
        String message = BlobCache.describe(ref) + " is not on this device, and " + provider.describe()
                + " cannot be reached (" + why + "). Make it reachable again (a drive that is not mounted, a"
                + " folder that was moved, no network?); the file can be read again once it is back.";
        errors.put(ref.sha256(), message);
        String more = logLimit.admit("unreachable " + provider.describe());
        if (more != null) {
            LOG.warn("Cannot fetch blob {} from {}: {}{}", ref.sha256(), provider.describe(),
                    cause == null ? "no answer" : rootCause(cause), more);
        }
        unreachable.accept(why);
        return new OfflineException(message, cause);
    }

    private OfflineException localFailure(BlobRef ref, IOException e) {
        if (DiskFull.is(e)) {
            String message = BlobCache.describe(ref) + " cannot be cached: the disk holding the cache folder " + cacheDir
                    + " is full. Free space on that disk, then read it again.";
            errors.put(ref.sha256(), message);
            return new OfflineException(message, e);
        }
        return offline(ref, e);
    }

    private static String rootCause(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == t ? t.toString() : t.getMessage() + " [" + root + "]";
    }

}

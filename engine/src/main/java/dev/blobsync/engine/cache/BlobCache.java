package dev.blobsync.engine.cache;

import dev.blobsync.engine.BlobReader;
import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.BlobState;
import dev.blobsync.engine.OfflineException;
import dev.blobsync.engine.QuotaExceededException;
import dev.blobsync.engine.StorageException;
import dev.blobsync.engine.config.CacheConfig;
import dev.blobsync.engine.config.Sizes;
import dev.blobsync.engine.event.EventBus;
import dev.blobsync.engine.internal.DiskFull;
import dev.blobsync.engine.internal.FileModes;
import dev.blobsync.engine.internal.FileSync;
import dev.blobsync.engine.internal.LogLimiter;
import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.spi.BlobProvider;
import dev.blobsync.engine.spi.ProviderException;
import dev.blobsync.engine.store.BlobIndex;
import dev.blobsync.engine.store.BlobRow;
import dev.blobsync.engine.store.LocalStore;
import dev.blobsync.engine.store.UploadRow;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Content-addressed blob files on local disk and their index. Internal to the engine.
 *
 * <ul>
 *   <li>A blob written here enters through {@link BlobIntake}: hashed (whole and per chunk),
 *       moved into {@code <cache>/blobs/ab/abcd…} and indexed dirty; its upload is queued by the
 *       record change that refers to it. A blob over one chunk gets a chunk manifest, stored as
 *       a blob of its own. Files and folders here are the user's alone (0600, 0700).
 *   <li>A blob read but not cached is fetched in ranges into a sparse {@code .partial} file,
 *       each chunk checked against the manifest before it is written; once all chunks are there
 *       the whole file is checked against the blob's SHA-256 and becomes complete. Blobs without
 *       a manifest are fetched whole and checked before use.
 *   <li>{@link CacheQuota} makes room before bytes enter.
 * </ul>
 *
 * <p>Lock order: the quota, then a stripe lock or a {@link PartialBlob}'s monitor, then the
 * store.
 */
public final class BlobCache implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BlobCache.class);

    private final Path blobs;
    private final EventBus events;
    private final Path staging;
    private final Path downloads;
    private final LocalStore store;
    private final BlobProvider provider;
    private final long maxQueueSize;
    private final CacheQuota quota;
    private final ExecutorService background;
    private final ConcurrentMap<String, PartialBlob> partials = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, AtomicInteger> open = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, String> errors = new ConcurrentHashMap<>();
    private final BlobIntake intake;
    private final WholeFetches fetches;
    private final Set<String> finishing = ConcurrentHashMap.newKeySet();
    private final Set<String> uploading = ConcurrentHashMap.newKeySet();
    private volatile java.util.function.Function<String, String> priorityHint = sha -> "normal";
    /** Striped locks: opening a blob and evicting it never interleave. */
    private final Object[] stripes = new Object[64];

    {
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Object();
        }
    }

    private Object stripe(String sha) {
        return stripes[Math.floorMod(sha.hashCode(), stripes.length)];
    }

    public BlobCache(Path directory, LocalStore store, BlobProvider provider, CacheConfig config, long maxQueueSize,
                     EventBus events) {
        this.blobs = directory.resolve("blobs");
        this.staging = directory.resolve("staging");
        this.downloads = directory.resolve("downloads");
        this.store = store;
        this.provider = provider;
        this.maxQueueSize = maxQueueSize;
        this.events = events;
        try {
            for (Path dir : List.of(directory, blobs, staging, downloads)) {
                FileModes.PRIVATE.createDirectories(dir);
                FileModes.PRIVATE.restrictDirectory(dir);
            }
        } catch (IOException e) {
            throw new StorageException("Cannot create the cache folder " + directory + ": " + e.getMessage(), e);
        }
        AtomicInteger n = new AtomicInteger();
        this.background = Executors.newFixedThreadPool(3, r -> {
            Thread t = new Thread(r, "blobsync-fetch-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        cleanUp();
        this.quota = new CacheQuota(directory, store, config, events, this::removeIfIdle);
        this.intake = new BlobIntake(directory, staging, store, quota, maxQueueSize, this::pathOf,
                sha -> priorityHint.apply(sha));
        this.fetches = new WholeFetches(directory, downloads, store, provider, quota, this::pathOf,
                sha -> priorityHint.apply(sha), errors);
    }

    /**
     * Removes left-overs of a crash or a failed write: partial downloads, staging files of writes
     * that were never acknowledged (a close that returned 0 has moved its file into the cache),
     * blobs stored for a write whose record change never came, and index entries whose file is
     * gone.
     */
    private void cleanUp() {
        for (BlobRow r : store.read(BlobIndex::neverReferenced)) {
            if (store.write(c -> BlobIndex.removeIfNeverReferenced(c, r.sha256()))) {
                deleteQuietly(pathOf(r.sha256()));
                LOG.info("Removed blob {} ({}): stored for a write that did not complete", r.sha256(),
                        Sizes.format(r.size()));
            }
        }
        for (Path dir : List.of(downloads, staging)) {
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                LOG.warn("Cannot clean {}: {}", dir, e.toString());
            }
        }
        for (BlobRow r : store.read(BlobIndex::all)) {
            Path p = r.complete() ? pathOf(r.sha256()) : partialPathOf(r.sha256());
            if (!Files.exists(p) && !r.dirty()) {
                store.write(c -> {
                    BlobIndex.remove(c, r.sha256());
                    return null;
                });
            } else if (!Files.exists(p)) {
                LOG.error("The cached copy of unsynced blob {} is missing from {}; its upload will report it",
                        r.sha256(), p);
            }
        }
    }

    private volatile java.util.function.BooleanSupplier blobsOnline = () -> true;

    /**
     * Tells the cache whether the blob provider answers: an upload that used up its attempts
     * while the provider is unreachable shows as queued (waiting for it), not as an error.
     */
    public void blobsOnline(java.util.function.BooleanSupplier online) {
        this.blobsOnline = online;
    }

    /** Tells the cache the effective priority of blobs it indexes from now on. */
    public void priorityHint(java.util.function.Function<String, String> hint) {
        this.priorityHint = hint;
    }

    public Path stagingDirectory() {
        return staging;
    }

    /** Where blob {@code sha} lives when whole. */
    public Path pathOf(String sha) {
        return blobs.resolve(sha.substring(0, 2)).resolve(sha);
    }

    Path partialPathOf(String sha) {
        return blobs.resolve(sha.substring(0, 2)).resolve(sha + ".partial");
    }

    // ---- writing -------------------------------------------------------------------------

    /** Stores {@code file} as a dirty blob; see {@link BlobIntake#put(Path, String, String, boolean)}. */
    public BlobRef put(Path file, String type, String name, boolean move) {
        BlobRef ref = intake.put(file, type, name, move);
        errors.remove(ref.sha256());
        return ref;
    }

    /** Stores the bytes of {@code in} as a dirty blob; does not close {@code in}. */
    public BlobRef put(InputStream in, String type, String name) {
        BlobRef ref = intake.put(in, type, name);
        errors.remove(ref.sha256());
        return ref;
    }

    /** Bytes {@code offline.maxQueueSize} still allows. */
    public long queueRoom() {
        return intake.queueRoom();
    }

    /** See {@link BlobIntake#writeRoom}. */
    public long writeRoom(String what, long size, long staged) {
        return intake.writeRoom(what, size, staged);
    }

    /** A record change now refers to {@code ref}: the claim of the writer that put it ends. */
    public void referenced(BlobRef ref) {
        intake.referenced(ref.sha256());
        if (ref.chunks() != null) {
            intake.referenced(ref.chunks());
        }
    }

    /**
     * The writer that put {@code ref} gives it up (the write that needed it failed): when no other
     * writer claims it and nothing refers to it, it leaves the cache now, and its room with it.
     */
    public void discard(BlobRef ref) {
        for (String sha : ref.chunks() == null ? List.of(ref.sha256()) : List.of(ref.sha256(), ref.chunks())) {
            if (!intake.release(sha)) {
                continue;
            }
            long freed = 0;
            synchronized (stripe(sha)) {
                if (busy(sha)) {
                    continue;
                }
                Optional<BlobRow> row = store.read(c -> BlobIndex.get(c, sha));
                if (row.isPresent() && store.write(c -> BlobIndex.removeIfNeverReferenced(c, sha))) {
                    deleteQuietly(pathOf(sha));
                    freed = CacheQuota.bytesOf(row.get());
                }
            }
            // Outside the stripe: the quota's monitor comes before a stripe (see the lock order).
            quota.release(freed);
        }
    }

    // ---- reading -------------------------------------------------------------------------

    /**
     * Opens {@code ref} for reading. A cached blob opens at once; a blob with a chunk manifest
     * fetches ranges as they are read; any other is fetched whole and checked first.
     */
    public BlobReader open(BlobRef ref) {
        String sha = ref.sha256();
        if (ref.size() == 0) {
            return BlobReaders.EMPTY; // known bytes: never fetched, never queued
        }
        try {
            for (int attempt = 0; ; attempt++) {
                BlobReader cached = openIfCached(ref);
                if (cached != null) {
                    return cached;
                }
                if (ref.chunks() != null && ChunkManifest.wanted(ref.size())) {
                    return partialReader(ref);
                }
                if (attempt >= 3) {
                    throw new StorageException("The cache keeps losing " + describe(ref)
                            + " right after fetching it; the cache is too small for what is open and pinned.");
                }
                fetchWhole(ref);
            }
        } catch (IOException e) {
            throw new StorageException("Cannot open the cached copy of " + describe(ref) + " (" + sha + "): "
                    + e.getMessage(), e);
        }
    }

    /** Opens the whole cached file, counted as open so it cannot be evicted; null when not cached. */
    private BlobReader openIfCached(BlobRef ref) throws IOException {
        String sha = ref.sha256();
        Path whole = pathOf(sha);
        BlobReader reader;
        synchronized (stripe(sha)) {
            if (!Files.exists(whole)) {
                return null;
            }
            AtomicInteger count = open.computeIfAbsent(sha, k -> new AtomicInteger());
            count.incrementAndGet();
            try {
                reader = new BlobReaders.Complete(whole, ref.size(), count::decrementAndGet);
            } catch (IOException e) {
                count.decrementAndGet();
                throw e;
            }
        }
        touch(sha);
        return reader;
    }

    private BlobReader partialReader(BlobRef ref) throws IOException {
        String sha = ref.sha256();
        ChunkManifest manifest = manifest(ref);
        AtomicInteger count = open.computeIfAbsent(sha, k -> new AtomicInteger());
        synchronized (stripe(sha)) {
            count.incrementAndGet();
        }
        try {
            PartialBlob blob;
            synchronized (partials) {
                blob = partials.get(sha);
                if (blob == null) {
                    blob = loadPartial(ref, manifest);
                    partials.put(sha, blob);
                }
                blob.retain();
            }
            touch(sha);
            PartialBlob b = blob;
            return new BlobReaders.Partial(b, background, () -> finishIfComplete(b), () -> {
                synchronized (partials) {
                    if (b.releaseReader() == 0) {
                        partials.remove(sha, b);
                        if (!finishing.contains(sha)) {
                            b.close();
                        }
                    }
                }
                count.decrementAndGet();
            });
        } catch (IOException | RuntimeException e) {
            count.decrementAndGet();
            throw e;
        }
    }

    private PartialBlob loadPartial(BlobRef ref, ChunkManifest manifest) throws IOException {
        String sha = ref.sha256();
        Optional<BlobRow> row = store.read(c -> BlobIndex.get(c, sha));
        BitSet present = new BitSet();
        Path file = partialPathOf(sha);
        if (row.isPresent() && !row.get().complete() && row.get().present() != null && Files.exists(file)) {
            present = BitSet.valueOf(row.get().present());
        } else {
            FileModes.PRIVATE.createDirectories(file.getParent());
            Files.deleteIfExists(file);
            FileModes.PRIVATE.createFile(file);
            store.write(c -> {
                BlobIndex.putPartial(c, sha, ref.size(), ref.type(), ref.chunks(), priorityHint.apply(sha));
                return null;
            });
        }
        return new PartialBlob(ref, manifest, file, present, new PartialBlob.Host() {
            @Override
            public InputStream fetch(BlobRef r, long offset, long length) throws ProviderException {
                return provider.read(r.sha256(), offset, length);
            }

            @Override
            public void reserve(long bytes, BlobRef r) {
                quota.reserve(bytes, CacheQuota.Purpose.READ, describe(r));
            }

            @Override
            public void persist(PartialBlob blob, byte[] bitmap) {
                store.write(c -> {
                    BlobIndex.setPresent(c, blob.ref().sha256(), bitmap);
                    return null;
                });
            }

            @Override
            public void corrupt(BlobRef r, String message) {
                errors.put(r.sha256(), message);
                LOG.error(message);
            }
        });
    }

    /** Once every chunk is there: check the whole file and make it a complete cache entry. */
    private void finishIfComplete(PartialBlob blob) {
        String sha = blob.ref().sha256();
        if (!blob.complete() || !finishing.add(sha)) {
            return;
        }
        background.execute(() -> {
            try {
                String actual = Hashing.sha256(blob.file());
                if (!actual.equals(sha)) {
                    String message = "The copy of " + describe(blob.ref()) + " assembled from the blob store hashes to "
                            + actual + ", not to its name. It was discarded.";
                    errors.put(sha, message);
                    LOG.error(message);
                    long bytes = store.read(c -> BlobIndex.get(c, sha)).map(CacheQuota::bytesOf).orElse(0L);
                    store.write(c -> {
                        BlobIndex.remove(c, sha);
                        return null;
                    });
                    deleteQuietly(blob.file());
                    quota.release(bytes);
                    return;
                }
                FileSync.moveDurably(blob.file(), pathOf(sha));
                store.write(c -> {
                    BlobIndex.markComplete(c, sha);
                    return null;
                });
                errors.remove(sha);
            } catch (IOException | RuntimeException e) {
                LOG.warn("Could not complete the cached copy of blob {}: {}", sha, e.toString());
            } finally {
                finishing.remove(sha);
                synchronized (partials) {
                    if (!partials.containsKey(sha) || partials.get(sha) != blob) {
                        blob.close();
                    }
                }
            }
        });
    }

    private ChunkManifest manifest(BlobRef ref) throws IOException {
        return fetches.manifest(ref);
    }

    private Path fetchWhole(BlobRef ref) {
        return fetches.fetch(ref);
    }

    /**
     * Tells the cache who to tell when the blob provider cannot be reached while fetching: the
     * uploader, which then shows the provider offline and probes until it answers.
     */
    public void onUnreachable(java.util.function.Consumer<String> listener) {
        fetches.onUnreachable(listener);
    }

    private void touch(String sha) {
        long now = System.currentTimeMillis();
        store.write(c -> {
            BlobIndex.touch(c, sha, now);
            return null;
        });
    }

    // ---- state ---------------------------------------------------------------------------

    /** Where {@code ref} stands on this device. */
    public BlobState state(BlobRef ref) {
        if (ref.size() == 0) {
            return BlobState.CACHED; // known bytes, on every device
        }
        Optional<UploadRow> up = store.read(c -> BlobIndex.queuedUpload(c, ref.sha256()));
        if (up.isPresent()) {
            if (uploading.contains(ref.sha256())) {
                return BlobState.UPLOADING;
            }
            return up.get().gaveUp() && blobsOnline.getAsBoolean() ? BlobState.ERROR : BlobState.QUEUED;
        }
        if (Files.exists(pathOf(ref.sha256()))) {
            return BlobState.CACHED;
        }
        if (errors.containsKey(ref.sha256())) {
            return BlobState.ERROR;
        }
        Optional<BlobRow> row = store.read(c -> BlobIndex.get(c, ref.sha256()));
        return row.isPresent() && !row.get().complete() ? BlobState.PARTIAL : BlobState.REMOTE;
    }

    /** How much of {@code ref} is cached, 0.0 to 1.0. */
    public double fractionCached(BlobRef ref) {
        if (ref.size() == 0 || Files.exists(pathOf(ref.sha256()))) {
            return 1.0;
        }
        PartialBlob live = partials.get(ref.sha256());
        if (live != null) {
            return live.fraction();
        }
        Optional<BlobRow> row = store.read(c -> BlobIndex.get(c, ref.sha256()));
        if (row.isEmpty() || ref.size() == 0) {
            return 0.0;
        }
        return Math.min(1.0, CacheQuota.bytesOf(row.get()) / (double) ref.size());
    }

    /** The last error about {@code ref} on this device (a failed or corrupt fetch), if any. */
    public Optional<String> error(BlobRef ref) {
        return Optional.ofNullable(errors.get(ref.sha256()));
    }

    /** Marks {@code sha} as being uploaded now (for {@link #state}). */
    public void uploading(String sha, boolean now) {
        if (now) {
            uploading.add(sha);
        } else {
            uploading.remove(sha);
        }
    }

    /** Bytes the cache holds now. */
    public long used() {
        return quota.used();
    }

    public long maxSize() {
        return quota.max();
    }

    /** True when {@code bytes} of pinned blobs could be held at all. */
    public boolean canPin(long bytes) {
        return quota.canPin(bytes);
    }

    /** Evicts the given blobs when they are clean, unpinned and not open; returns what left. */
    public List<String> evict(List<String> shas) {
        List<String> out = new java.util.ArrayList<>();
        for (String sha : shas) {
            Optional<BlobRow> row = store.read(c -> BlobIndex.get(c, sha));
            if (row.isEmpty() || row.get().dirty() || busy(sha)
                    || store.read(c -> BlobIndex.upload(c, sha)).isPresent()) {
                continue;
            }
            if (quota.remove(row.get())) {
                out.add(sha);
            }
        }
        if (!out.isEmpty()) {
            events.publish(new dev.blobsync.engine.event.CacheEviction(List.copyOf(out)));
        }
        return out;
    }

    /** Evicts everything that may leave: clean, unpinned and closed blobs. */
    public List<String> clear() {
        return quota.evict(Long.MAX_VALUE / 4, 0);
    }

    /**
     * Fetches {@code ref} in full (a pin); {@link QuotaExceededException} when it cannot fit.
     * Safe to call for a blob that is cached already.
     */
    public void fetchFully(BlobRef ref) throws IOException {
        if (Files.exists(pathOf(ref.sha256()))) {
            return;
        }
        try (BlobReader r = open(ref)) {
            if (r instanceof BlobReaders.Partial) {
                PartialBlob b = partials.get(ref.sha256());
                if (b != null) {
                    b.ensure(0, b.chunkCount() - 1);
                    finishIfComplete(b);
                }
            }
        }
    }

    private boolean busy(String sha) {
        AtomicInteger n = open.get(sha);
        return (n != null && n.get() > 0) || fetches.fetching(sha) || partials.containsKey(sha)
                || finishing.contains(sha) || uploading.contains(sha);
    }

    private boolean removeIfIdle(BlobRow row) {
        String sha = row.sha256();
        synchronized (stripe(sha)) {
            if (busy(sha)) {
                return false;
            }
            // The index entry goes first, so a crash never leaves an entry whose file is gone.
            store.write(c -> {
                BlobIndex.remove(c, sha);
                return null;
            });
            deleteQuietly(pathOf(sha));
            deleteQuietly(partialPathOf(sha));
            return true;
        }
    }

    private static void deleteQuietly(Path p) {
        if (p == null) {
            return;
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warn("Cannot delete {}: {}", p, e.toString());
        }
    }

    static String describe(BlobRef ref) {
        return (ref.name() == null ? "blob" : "'" + ref.name() + "'") + " (SHA-256 " + ref.sha256().substring(0, 12)
                + "…, " + Sizes.format(ref.size()) + ")";
    }

    @Override
    public void close() {
        background.shutdownNow();
        synchronized (partials) {
            partials.values().forEach(PartialBlob::close);
            partials.clear();
        }
    }
}

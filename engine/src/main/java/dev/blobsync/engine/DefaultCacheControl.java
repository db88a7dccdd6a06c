package dev.blobsync.engine;

import dev.blobsync.engine.cache.BlobCache;
import dev.blobsync.engine.config.CacheConfig;
import dev.blobsync.engine.config.PrefetchConfig;
import dev.blobsync.engine.config.Sizes;
import dev.blobsync.engine.store.BlobIndex;
import dev.blobsync.engine.store.LocalStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link CacheControl} over the blob cache: priorities kept per scope ({@code table:…},
 * {@code record:…}, {@code blob:…}) in the local store, the effective priority of each blob
 * written to its index entry, and a prefetcher that fetches pinned blobs first and visible
 * ones, bounded, when the cache has room.
 */
final class DefaultCacheControl implements CacheControl, ChangeListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultCacheControl.class);
    private static final int MAX_VISIBLE_QUEUED = 64;

    private record Job(int rank, long seq, BlobRef ref, CompletableFuture<Void> done) implements Comparable<Job> {
        @Override
        public int compareTo(Job o) {
            return rank != o.rank ? Integer.compare(rank, o.rank) : Long.compare(seq, o.seq);
        }
    }

    private final DefaultSyncEngine engine;
    private final LocalStore store;
    private final BlobCache cache;
    private final CacheConfig config;
    private final Map<String, String> hints = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> queued = new ConcurrentHashMap<>();
    private final AtomicLong seq = new AtomicLong();
    private final ExecutorService prefetcher;
    private final ExecutorService visible = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new java.util.concurrent.ArrayBlockingQueue<>(1), r -> {
                Thread t = new Thread(r, "blobsync-visible");
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.DiscardPolicy());
    private volatile boolean anyScopes;
    private final PinRules rules;
    /** Pinned blobs by SHA-256, as last reconciled: what {@link #pinProgress} measures. */
    private final Map<String, BlobRef> pinned = new ConcurrentHashMap<>();
    /** Why the last fetch of a pinned blob failed, by SHA-256; retried when a provider is back online. */
    private final Map<String, String> pinFailures = new ConcurrentHashMap<>();

    DefaultCacheControl(DefaultSyncEngine engine, LocalStore store, BlobCache cache, CacheConfig config) {
        this.engine = engine;
        this.store = store;
        this.cache = cache;
        this.config = config;
        this.prefetcher = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new PriorityBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "blobsync-prefetch");
            t.setDaemon(true);
            return t;
        });
        cache.priorityHint(sha -> hints.getOrDefault(sha, "normal"));
        this.rules = new PinRules(engine, store, this, java.time.Clock.systemUTC());
    }

    /** Applies stored priorities to what is cached and starts fetching pinned blobs. */
    void start() {
        List<String> scopes = new ArrayList<>();
        scopes.addAll(store.read(c -> BlobIndex.scopesWith(c, "high")));
        scopes.addAll(store.read(c -> BlobIndex.scopesWith(c, "low")));
        rules.start();
        anyScopes = !scopes.isEmpty() || rules.any();
        engine.on(dev.blobsync.engine.event.Online.class, e -> retryFailedPins());
        for (String scope : scopes) {
            if (scope.startsWith("table:")) {
                engine.findTable(scope.substring(6)).ifPresent(t -> t.list().forEach(r -> reconcile(r)));
            } else if (scope.startsWith("record:")) {
                findRecord(UUID.fromString(scope.substring(7))).ifPresent(this::reconcile);
            }
        }
    }

    @Override
    public long writeRoom(String what, long size, long staged) {
        return cache.writeRoom(what, size, staged);
    }

    @Override
    public CacheStats stats() {
        long used = cache.used();
        long[] pinned = store.read(BlobIndex::pinned);
        long items = store.read(BlobIndex::count);
        long pending = store.read(c -> BlobIndex.referencedUploads(c)[0]);
        return new CacheStats(used, Math.max(0, cache.maxSize() - used), items, pending, cache.maxSize(), pinned[1]);
    }

    @Override
    public CompletableFuture<Void> prefetch(Collection<UUID> recordIds) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (UUID id : recordIds) {
            findRecord(id).ifPresent(r -> blobsOf(r).forEach(ref -> all.add(enqueue(ref, 1))));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    @Override
    public void evict(Collection<UUID> recordIds) {
        List<String> shas = new ArrayList<>();
        for (UUID id : recordIds) {
            findRecord(id).ifPresent(r -> blobsOf(r).forEach(ref -> {
                shas.add(ref.sha256());
                if (ref.chunks() != null) {
                    shas.add(ref.chunks());
                }
            }));
        }
        cache.evict(shas);
    }

    @Override
    public void clear() {
        cache.clear();
    }

    @Override
    public void setPriority(UUID recordId, Priority priority) {
        Record r = findRecord(recordId).orElseThrow(() -> new NotFoundException("No record with id " + recordId + "."));
        setScope("record:" + recordId, priority, List.of(r), "record " + recordId);
    }

    @Override
    public void setTablePriority(String table, Priority priority) {
        Table t = engine.table(table);
        setScope("table:" + table, priority, t.list(), "table '" + table + "'");
    }

    @Override
    public void setBlobPriority(String table, UUID recordId, BlobRef blob, Priority priority) {
        Record r = engine.table(table).get(recordId)
                .orElseThrow(() -> new NotFoundException("No record with id " + recordId + " in table '" + table + "'."));
        if (priority == Priority.HIGH) {
            checkPinFits(List.of(blob), "'" + (blob.name() == null ? blob.sha256() : blob.name()) + "'");
        }
        store.write(c -> {
            BlobIndex.setScopePriority(c, "blob:" + blob.sha256(), priority == null ? null : priority.label());
            return null;
        });
        anyScopes = true;
        reconcile(r);
    }

    private void setScope(String scope, Priority priority, List<Record> records, String what) {
        if (priority == Priority.HIGH) {
            List<BlobRef> refs = new ArrayList<>();
            records.forEach(r -> refs.addAll(blobsOf(r)));
            checkPinFits(refs, what);
        }
        store.write(c -> {
            BlobIndex.setScopePriority(c, scope, priority == null ? null : priority.label());
            return null;
        });
        anyScopes = true;
        records.forEach(this::reconcile);
    }

    /** Refuses a pin whose blobs, with what is pinned already, could never fit in the cache. */
    void checkPinFits(List<BlobRef> refs, String what) {
        long extra = 0;
        for (BlobRef ref : refs) {
            if (!"high".equals(hints.get(ref.sha256()))) {
                extra += ref.size();
            }
        }
        long already = store.read(BlobIndex::pinned)[1];
        if (!cache.canPin(already + extra)) {
            throw new QuotaExceededException("Cannot pin " + what + ": its blobs need " + Sizes.format(extra)
                    + ", " + Sizes.format(already) + " are pinned already, and the cache holds at most "
                    + Sizes.format(cache.maxSize()) + " (cache.maxSize). Raise cache.maxSize or pin less.");
        }
    }

    @Override
    public Priority priority(String table, UUID recordId, BlobRef blob) {
        return store.read(c -> {
            String p = null;
            if (blob != null) {
                p = BlobIndex.scopePriority(c, "blob:" + blob.sha256());
            }
            if (p == null && recordId != null) {
                p = BlobIndex.scopePriority(c, "record:" + recordId);
            }
            if (p == null && recordId != null) {
                Priority byRule = rules.priorityOf(recordId);
                p = byRule == null ? null : byRule.label();
            }
            if (p == null && table != null) {
                p = BlobIndex.scopePriority(c, "table:" + table);
            }
            return p == null ? Priority.NORMAL : Priority.parse(p);
        });
    }

    @Override
    public double cachedFraction(BlobRef blob) {
        return cache.fractionCached(blob);
    }

    @Override
    public Optional<String> lastError(BlobRef blob) {
        return cache.error(blob);
    }

    @Override
    public void prefetchVisible(String table, List<UUID> recordIds) {
        PrefetchConfig pc = config.prefetch();
        if (!pc.enabled() || !PrefetchConfig.VISIBLE.equals(pc.strategy()) || underPressure()) {
            return;
        }
        Table t = engine.table(table);
        List<UUID> first = List.copyOf(recordIds.subList(0, Math.min(recordIds.size(), MAX_VISIBLE_QUEUED)));
        // Looked at off the caller's thread (a directory listing), and dropped when a batch is
        // still being looked at: listing a folder never waits for prefetch.
        visible.execute(() -> {
            for (UUID id : first) {
                if (queued.size() >= MAX_VISIBLE_QUEUED || underPressure()) {
                    return;
                }
                t.get(id).ifPresent(r -> blobsOf(r).forEach(ref -> {
                    if (cache.fractionCached(ref) < 1.0) {
                        enqueue(ref, 2);
                    }
                }));
            }
        });
    }

    private boolean underPressure() {
        return cache.used() >= config.warningThreshold() * cache.maxSize();
    }

    /** Re-applies priorities when a record changes (new blobs of a pinned table are fetched). */
    @Override
    public void recordChanged(String table, UUID id) {
        if (anyScopes) {
            engine.findTable(table).flatMap(t -> t.get(id)).ifPresent(this::reconcile);
        }
    }

    @Override
    public PinRule pinRule(String table, List<PinRule.Condition> where, Priority priority) {
        java.util.Objects.requireNonNull(priority, "priority");
        anyScopes = true;
        return rules.add(table, List.copyOf(where), priority);
    }

    @Override
    public List<PinRuleStatus> pinRules() {
        return rules.list();
    }

    @Override
    public boolean removePinRule(long id) {
        return rules.remove(id);
    }

    @Override
    public PinProgress pinProgress() {
        int blobs = 0;
        int waiting = 0;
        int failed = 0;
        long bytes = 0;
        long cached = 0;
        String lastError = null;
        for (BlobRef ref : pinned.values()) {
            double f = cache.fractionCached(ref);
            blobs++;
            bytes += ref.size();
            cached += (long) (f * ref.size());
            if (f < 1.0) {
                String why = pinFailures.get(ref.sha256());
                if (why != null) {
                    failed++;
                    lastError = why;
                } else {
                    waiting++;
                }
            }
        }
        return new PinProgress(blobs, bytes, cached, waiting, failed, lastError);
    }

    private void retryFailedPins() {
        for (String sha : List.copyOf(pinFailures.keySet())) {
            BlobRef ref = pinned.get(sha);
            if (ref != null) {
                pinFailures.remove(sha);
                enqueue(ref, 0);
            }
        }
    }

    /** Writes the effective priority of each blob of {@code r} into the index; fetches what became pinned. */
    void reconcile(Record r) {
        for (BlobRef ref : blobsOf(r)) {
            Priority p = priority(r.table(), r.id(), ref);
            if (p == Priority.HIGH) {
                pinned.put(ref.sha256(), ref);
            } else {
                pinned.remove(ref.sha256());
                pinFailures.remove(ref.sha256());
            }
            for (String sha : ref.chunks() == null ? List.of(ref.sha256()) : List.of(ref.sha256(), ref.chunks())) {
                if (p == Priority.NORMAL) {
                    hints.remove(sha);
                } else {
                    hints.put(sha, p.label());
                }
                store.write(c -> BlobIndex.setPriority(c, sha, p.label()));
            }
            if (p == Priority.HIGH && cache.fractionCached(ref) < 1.0) {
                pinFailures.remove(ref.sha256());
                enqueue(ref, 0);
            }
        }
    }

    private CompletableFuture<Void> enqueue(BlobRef ref, int rank) {
        CompletableFuture<Void> existing = queued.get(ref.sha256());
        if (existing != null) {
            return existing;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (queued.putIfAbsent(ref.sha256(), done) != null) {
            return queued.get(ref.sha256());
        }
        Job job = new Job(rank, seq.incrementAndGet(), ref, done);
        try {
            prefetcher.execute(new PrefetchTask(job));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            queued.remove(ref.sha256());
            done.cancel(false);
        }
        return done;
    }

    /** A queued fetch, ordered by rank (pins first) then age. */
    private final class PrefetchTask implements Runnable, Comparable<PrefetchTask> {
        final Job job;

        PrefetchTask(Job job) {
            this.job = job;
        }

        @Override
        public int compareTo(PrefetchTask o) {
            return job.compareTo(o.job);
        }

        @Override
        public void run() {
            try {
                if (job.rank() == 2 && underPressure()) {
                    job.done().complete(null); // visible prefetch stops when the cache is under pressure
                    return;
                }
                cache.fetchFully(job.ref());
                job.done().complete(null);
            } catch (IOException | RuntimeException e) {
                LOG.info("Prefetching {} failed: {}", job.ref().sha256(), e.getMessage());
                if (pinned.containsKey(job.ref().sha256())) {
                    pinFailures.put(job.ref().sha256(), "Fetching pinned blob " + (job.ref().name() != null
                            ? "'" + job.ref().name() + "'" : job.ref().sha256()) + " failed: " + e.getMessage());
                }
                job.done().completeExceptionally(e);
            } finally {
                queued.remove(job.ref().sha256(), job.done());
            }
        }
    }

    private Optional<Record> findRecord(UUID id) {
        for (String name : engine.schema().tables().keySet()) {
            Optional<Record> r = engine.table(name).get(id);
            if (r.isPresent()) {
                return r;
            }
        }
        return Optional.empty();
    }

    static List<BlobRef> blobsOf(Record r) {
        List<BlobRef> out = new ArrayList<>();
        for (Object v : r.fields().values()) {
            if (v instanceof BlobRef b) {
                out.add(b);
            }
        }
        return out;
    }

    @Override
    public void close() {
        rules.close();
        visible.shutdownNow();
        prefetcher.shutdownNow();
    }
}

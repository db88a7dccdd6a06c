package dev.blobsync.engine.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.config.Backoff;
import dev.blobsync.engine.config.ConflictResolution;
import dev.blobsync.engine.config.RetryStrategy;
import dev.blobsync.engine.event.Conflict;
import dev.blobsync.engine.event.EventBus;
import dev.blobsync.engine.event.Offline;
import dev.blobsync.engine.event.Online;
import dev.blobsync.engine.event.SyncError;
import dev.blobsync.engine.internal.LogLimiter;
import dev.blobsync.engine.spi.Clocks;
import dev.blobsync.engine.spi.DataProvider;
import dev.blobsync.engine.spi.Hlc;
import dev.blobsync.engine.spi.Mutation;
import dev.blobsync.engine.spi.ProviderException;
import dev.blobsync.engine.spi.PushResult;
import dev.blobsync.engine.spi.RemoteRecord;
import dev.blobsync.engine.store.BlobIndex;
import dev.blobsync.engine.store.LocalStore;
import dev.blobsync.engine.store.PendingRow;
import dev.blobsync.engine.store.RecordStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes the outbox and pulls the change feed, on one thread of its own: every
 * {@code pollInterval}, at once when {@link #trigger()}ed, and at once when the provider's
 * {@link DataProvider#watch} says something changed. While the provider cannot be reached it
 * tries again with growing, jittered delays (up to 30 s, or the poll interval when longer);
 * a trigger still tries at once.
 *
 * <p>Causality: an outbox entry whose changed fields reference a blob still in the upload
 * queue is held back until that upload completes. Conflicts are settled by
 * {@link ConflictResolver} per {@code offline.conflictResolution}; the version that loses is
 * kept in the local {@code conflicts} table (invariant 6). Every clock pulled or acknowledged is
 * shown to the {@link HybridClock}, so this device's next write is stamped after it.
 *
 * <p>Pulling is {@link FeedPuller}'s.
 */
public final class SyncLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SyncLoop.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Outbox entries per push. */
    static final int BATCH = 200;

    private final LocalStore store;
    private final DataProvider provider;
    private final ConflictResolution policy;
    private final Duration pollInterval;
    private final RetryStrategy reconnect;
    private final EventBus events;
    private final HybridClock hlc;
    private final Thread thread;
    private final LogLimiter logLimit = LogLimiter.standard();
    private final Object monitor = new Object();
    private boolean triggered; // guarded by monitor
    private long cycles; // guarded by monitor
    private volatile boolean running = true;
    private volatile boolean online = true;
    /** False until the first cycle has reached the provider, which is announced as {@code Online}. */
    private volatile boolean announced;
    private volatile boolean pulledOnce;
    private volatile Runnable firstPull = () -> { };
    private int failures; // sync thread only
    private AutoCloseable watch = () -> { }; // sync thread only
    private final FeedPuller puller;

    public SyncLoop(LocalStore store, DataProvider provider, ConflictResolution policy, Duration pollInterval,
                    EventBus events, HybridClock hlc) {
        this.store = store;
        this.provider = provider;
        this.policy = policy;
        this.pollInterval = pollInterval;
        Duration max = pollInterval.compareTo(Duration.ofSeconds(30)) > 0 ? pollInterval : Duration.ofSeconds(30);
        this.reconnect = new RetryStrategy(Integer.MAX_VALUE, Backoff.EXPONENTIAL, pollInterval, max);
        this.events = events;
        this.hlc = hlc;
        this.puller = new FeedPuller(store, provider, events, hlc, () -> running);
        this.thread = new Thread(this::loop, "blobsync-sync");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Runs a push and pull now instead of at the next tick. */
    public void trigger() {
        synchronized (monitor) {
            triggered = true;
            monitor.notifyAll();
        }
    }

    /** The number of completed push-and-pull cycles. */
    public long cycles() {
        synchronized (monitor) {
            return cycles;
        }
    }

    /** Waits until a cycle that started after this call has finished; false on timeout. */
    public boolean awaitFreshCycle(long deadlineNanos) throws InterruptedException {
        synchronized (monitor) {
            long target = cycles + 2;
            triggered = true;
            monitor.notifyAll();
            while (cycles < target) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0 || !running) {
                    return false;
                }
                monitor.wait(Math.max(1, left / 1_000_000));
                // Ask again after each finished cycle: the loop would otherwise sleep a whole
                // poll interval before the cycle this waits for.
                triggered = true;
                monitor.notifyAll();
            }
            return true;
        }
    }

    public boolean online() {
        return online;
    }

    /** True once a pull has completed since this loop started: local data has caught up once. */
    public boolean pulledOnce() {
        return pulledOnce;
    }

    /** True once a pull has reached the end of the feed, in this run or an earlier one (kept in the store). */
    public boolean caughtUp() {
        return puller.caughtUp();
    }

    /** Records received from the provider since this loop started. */
    public long received() {
        return puller.received();
    }

    /**
     * Waits until {@link #caughtUp()}, the provider was found unreachable by the last cycle, the
     * loop stops, or the deadline passes; true when caught up.
     */
    public boolean awaitCaughtUp(long deadlineNanos) throws InterruptedException {
        synchronized (monitor) {
            while (!puller.caughtUp()) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0 || !running || (announced && !online)) {
                    return false;
                }
                monitor.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    /** Runs {@code action} on the sync thread after the first pull completes; set before {@link #start}. */
    public void onFirstPull(Runnable action) {
        this.firstPull = action;
    }

    private void loop() {
        try {
            watch = provider.watch(this::trigger);
        } catch (RuntimeException e) {
            LOG.warn("{} cannot signal changes ({}); polling every {}", provider.describe(), e.getMessage(),
                    pollInterval);
        }
        int localFailures = 0;
        while (running) {
            try {
                cycle();
                localFailures = 0;
            } catch (RuntimeException e) {
                // A failing unit of work (a full disk under the local store) backs off, and its
                // log line repeats a few times, then once a minute.
                localFailures++;
                String more = logLimit.admit("cycle");
                if (more != null) {
                    LOG.error("The sync cycle failed; it runs again later{}", more, e);
                }
            }
            long pause;
            if (localFailures > 0) {
                pause = Math.min(60_000, pollInterval.toMillis() << Math.min(localFailures, 6));
            } else if (!online) {
                pause = Math.max(1, dev.blobsync.engine.upload.Backoff.delay(reconnect, failures, ThreadLocalRandom.current()).toMillis());
            } else {
                pause = pollInterval.toMillis();
            }
            synchronized (monitor) {
                cycles++;
                monitor.notifyAll();
                long until = System.nanoTime() + pause * 1_000_000;
                try {
                    // A trigger (a local write, the provider's watch) ends the wait early; it does
                    // not cut short the back-off after a local failure.
                    while (running && (localFailures > 0 || !triggered) && System.nanoTime() < until) {
                        monitor.wait(Math.max(1, (until - System.nanoTime()) / 1_000_000));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                triggered = false;
            }
        }
        try {
            watch.close();
        } catch (Exception e) {
            LOG.debug("Closing the watch of {} failed", provider.describe(), e);
        }
    }

    private void cycle() {
        try {
            // Push until the outbox is drained (bounded, so that a pull comes between long runs).
            for (int round = 0; round < 50 && running; round++) {
                if (!pushOnce()) {
                    break;
                }
            }
            puller.pull();
            if (!pulledOnce) {
                pulledOnce = true;
                firstPull.run();
            }
            failures = 0;
            if (!online || !announced) {
                if (!online) {
                    LOG.info("{} is reachable again", provider.describe());
                }
                online = true;
                announced = true;
                events.publish(new Online(provider.describe()));
            }
        } catch (ProviderException e) {
            failures++;
            if (online || !announced) {
                LOG.warn("Cannot sync with {}: {}. Local changes stay queued.", provider.describe(), e.getMessage());
                online = false;
                announced = true;
                events.publish(new Offline(provider.describe(), e.getMessage()));
            }
        }
    }

    /**
     * Pushes one batch; true when another round is useful: the batch was full, or a conflict
     * was resolved into a new entry.
     */
    private boolean pushOnce() throws ProviderException {
        List<PendingRow> candidates = store.read(c -> RecordStore.pushable(c, BATCH));
        List<PendingRow> rows = store.read(c -> {
            List<PendingRow> ready = new ArrayList<>();
            for (PendingRow p : candidates) {
                if (!waitsForUpload(c, p)) {
                    ready.add(p);
                }
            }
            return ready;
        });
        if (rows.isEmpty()) {
            return false;
        }
        // Entries the provider refused before go one by one, so that one bad record (say, of a
        // scope this device may not write) does not hold back the rest.
        List<PendingRow> clean = new ArrayList<>();
        List<PendingRow> failing = new ArrayList<>();
        for (PendingRow p : rows) {
            (p.lastError() == null ? clean : failing).add(p);
        }
        boolean again = !clean.isEmpty() && pushBatch(clean);
        for (PendingRow p : failing) {
            again |= pushBatch(List.of(p));
        }
        return again || (candidates.size() == BATCH && !clean.isEmpty());
    }

    /**
     * Pushes {@code rows} as one batch; a batch the provider refuses as a whole is pushed again
     * entry by entry, and each entry it still refuses is marked failed with the reason (and
     * retried at later cycles). Throws only when the provider cannot be reached.
     */
    private boolean pushBatch(List<PendingRow> rows) throws ProviderException {
        List<Mutation> batch = new ArrayList<>(rows.size());
        for (PendingRow p : rows) {
            batch.add(toMutation(p));
        }
        List<PushResult> results;
        try {
            results = provider.push(batch);
        } catch (ProviderException e) {
            if (e.retryable()) {
                throw e;
            }
            if (rows.size() > 1) {
                boolean again = false;
                for (PendingRow p : rows) {
                    again |= pushBatch(List.of(p));
                }
                return again;
            }
            PendingRow p = rows.get(0);
            LOG.warn("{} refused the change of {}/{}: {}", provider.describe(), p.table(), p.id(), e.getMessage());
            store.write(c -> {
                RecordStore.recordPushFailure(c, p.table(), p.id(), p.seq(), e.getMessage());
                return null;
            });
            events.recordChanged(p.table(), p.id());
            events.publish(new SyncError("push " + p.table() + "/" + p.id(), e.getMessage()));
            return false;
        }
        for (PushResult r : results) {
            if (r.current() != null) {
                hlc.observe(Clocks.latest(r.current().clocks()));
            }
        }
        // One local transaction for the whole batch: its outcome is on disk with one sync.
        boolean again = store.write(c -> {
            boolean more = false;
            for (int i = 0; i < rows.size(); i++) {
                PushResult r = results.get(i);
                if (r.status() == PushResult.Status.APPLIED) {
                    applied(c, rows.get(i), batch.get(i), r.current());
                } else {
                    more |= conflict(c, rows.get(i), r.current());
                }
            }
            return more;
        });
        for (Mutation m : batch) {
            events.recordChanged(m.table(), m.id());
        }
        return again;
    }

    private static boolean waitsForUpload(Connection c, PendingRow p) throws SQLException {
        if (p.deleted()) {
            return false;
        }
        for (String f : p.changed()) {
            JsonNode v = p.fields().get(f);
            if (v != null && v.isObject() && (queued(c, v.path("sha256")) || queued(c, v.path("chunks")))) {
                return true;
            }
        }
        return false;
    }

    /** True when {@code key} names a blob (or chunk manifest) still waiting for its upload. */
    static boolean queued(Connection c, JsonNode key) throws SQLException {
        return key.isTextual() && BlobIndex.upload(c, key.asText()).isPresent();
    }

    /**
     * The mutation of an outbox entry. Entries written before clocks existed have none; their
     * changes are newer than anything they were based on, so they are stamped now.
     */
    private Mutation toMutation(PendingRow p) {
        ObjectNode changed = JSON.createObjectNode();
        Map<String, Hlc> clocks = new HashMap<>();
        if (p.deleted()) {
            clocks.put(Hlc.RECORD, p.clocks().containsKey(Hlc.RECORD) ? p.clock(Hlc.RECORD) : hlc.tick());
        } else {
            for (String f : p.changed()) {
                JsonNode v = p.fields().get(f);
                changed.set(f, v == null ? JSON.nullNode() : v);
                clocks.put(f, p.clocks().containsKey(f) ? p.clock(f) : hlc.tick());
            }
        }
        return new Mutation(p.mutationId(), p.table(), p.id(), p.baseRev(),
                p.deleted() ? Mutation.Op.DELETE : Mutation.Op.UPSERT, changed, clocks);
    }

    private Void applied(Connection c, PendingRow p, Mutation m, RemoteRecord current) throws SQLException {
        RecordStore.putBase(c, current);
        lostToLaterClocks(c, p, m, current);
        if (!RecordStore.removePending(c, p.table(), p.id(), p.seq())) {
            // Changed again while the push was in flight: the newer entry now builds on this revision.
            PendingRow newer = RecordStore.pending(c, p.table(), p.id()).orElse(null);
            if (newer != null) {
                Map<String, Hlc> seen = new HashMap<>(newer.seen());
                seen.putAll(current.clocks());
                RecordStore.putPending(c, new PendingRow(newer.table(), newer.id(), newer.seq(),
                        UUID.randomUUID().toString(), newer.fields(), newer.changed(), newer.deleted(), current.rev(),
                        newer.draft(), newer.attempts(), newer.lastError(), newer.updatedAt(), newer.clocks(), seen,
                        newer.held()));
            }
        }
        return null;
    }

    /**
     * An applied push can still lose fields to later clocks (a writer this device never saw
     * the clock of, such as an app writing with SQL): the local values are kept as a conflict.
     */
    private void lostToLaterClocks(Connection c, PendingRow p, Mutation m, RemoteRecord current) throws SQLException {
        if (m.op() == Mutation.Op.DELETE ? current.deleted() : !current.deleted()) {
            Set<String> lost = new LinkedHashSet<>();
            for (String f : m.clocks().keySet()) {
                if (!f.equals(Hlc.RECORD) && !current.clock(f).equals(m.clock(f))
                        && !ConflictResolver.same(current.fields().get(f), m.fields().get(f))) {
                    lost.add(f);
                }
            }
            if (lost.isEmpty()) {
                return;
            }
            keep(c, current, p, new ConflictResolver.Kept(lost, null, "remote", false));
        } else {
            keep(c, current, p, new ConflictResolver.Kept(Set.of(), null, "remote", false));
        }
    }

    /** Settles a conflict; true when a new outbox entry waits to be pushed. */
    private boolean conflict(Connection c, PendingRow p, RemoteRecord current) throws SQLException {
        PendingRow latest = RecordStore.pending(c, p.table(), p.id()).orElse(null);
        if (latest == null) {
            return false;
        }
        if (current == null) {
            // The provider has never seen the record: push everything as new.
            RecordStore.putPending(c, asNew(latest));
            return true;
        }
        RecordStore.putBase(c, current);
        ConflictResolver.Outcome o = ConflictResolver.resolve(latest, current, policy);
        if (o.conflict() != null) {
            keep(c, current, latest, o.conflict());
        }
        if (o.next() == null) {
            RecordStore.removePending(c, p.table(), p.id());
            return false;
        }
        RecordStore.putPending(c, o.next());
        return !o.next().held();
    }

    private void keep(Connection c, RemoteRecord current, PendingRow local, ConflictResolver.Kept k)
            throws SQLException {
        String resolution = policy.configValue();
        RecordStore.putConflict(c, current, local.fields(), resolution, k.winner(), k.fields(), k.open(),
                k.remoteDevice(), local.deleted());
        events.publish(new Conflict(current.table(), current.id(), resolution));
        LOG.info("Conflict on {}/{} ({}): {}; both versions are kept in the local conflicts table",
                current.table(), current.id(), String.join(", ", k.fields()),
                k.open() ? "waiting for a manual choice" : "settled by " + resolution + ", " + k.winner() + " won");
    }

    private PendingRow asNew(PendingRow p) {
        Set<String> all = new LinkedHashSet<>();
        p.fields().fieldNames().forEachRemaining(all::add);
        Map<String, Hlc> clocks = new HashMap<>(p.clocks());
        Hlc now = null;
        for (String f : all) {
            if (!clocks.containsKey(f)) {
                now = now == null ? hlc.tick() : now;
                clocks.put(f, now);
            }
        }
        return new PendingRow(p.table(), p.id(), p.seq(), UUID.randomUUID().toString(), p.fields(), all,
                p.deleted(), 0, p.draft(), p.attempts(), p.lastError(), p.updatedAt(), clocks, Map.of(), false);
    }

    @Override
    public void close() {
        running = false;
        trigger();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        puller.close();
    }
}

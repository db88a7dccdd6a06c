package dev.blobsync.engine.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.config.ConflictResolution;
import dev.blobsync.engine.event.EventBus;
import dev.blobsync.engine.event.Offline;
import dev.blobsync.engine.event.Online;
import dev.blobsync.engine.event.SyncError;
import dev.blobsync.engine.internal.LogLimiter;
import dev.blobsync.engine.spi.ChangePage;
import dev.blobsync.engine.spi.DataProvider;
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
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes the outbox and pulls the change feed, on one thread of its own: every
 * {@code pollInterval}, and at once when {@link #trigger()}ed.
 *
 * <p>Causality: an outbox entry whose changed fields reference a blob still in the upload
 * queue is held back until that upload completes. Conflicts are resolved per
 * {@code offline.conflictResolution}; the version that loses is kept in the local
 * {@code conflicts} table (invariant 6).
 */
public final class SyncLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SyncLoop.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CURSOR = "pull.cursor";
    /** Present once a pull has reached the end of the feed: this store has caught up, ever. */
    private static final String CAUGHT_UP = "pull.caughtUp";

    private final LocalStore store;
    private final DataProvider provider;
    private final ConflictResolution policy;
    private final Duration pollInterval;
    private final EventBus events;
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
    private volatile boolean caughtUp;
    private final java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();
    private volatile Runnable firstPull = () -> { };

    public SyncLoop(LocalStore store, DataProvider provider, ConflictResolution policy, Duration pollInterval,
                    EventBus events) {
        this.store = store;
        this.provider = provider;
        this.policy = policy;
        this.pollInterval = pollInterval;
        this.events = events;
        this.caughtUp = store.kv(CAUGHT_UP) != null;
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
        return caughtUp;
    }

    /** Records received from the provider since this loop started. */
    public long received() {
        return received.get();
    }

    /**
     * Waits until {@link #caughtUp()}, the provider was found unreachable by the last cycle, the
     * loop stops, or the deadline passes; true when caught up.
     */
    public boolean awaitCaughtUp(long deadlineNanos) throws InterruptedException {
        synchronized (monitor) {
            while (!caughtUp) {
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
        int failures = 0;
        while (running) {
            try {
                cycle();
                failures = 0;
            } catch (RuntimeException e) {
                // A failing unit of work (a full disk under the local store) backs off, and its
                // log line repeats a few times, then once a minute.
                failures++;
                String more = logLimit.admit("cycle");
                if (more != null) {
                    LOG.error("The sync cycle failed; it runs again later{}", more, e);
                }
            }
            synchronized (monitor) {
                cycles++;
                monitor.notifyAll();
                long pause = failures == 0 ? pollInterval.toMillis()
                        : Math.min(60_000, pollInterval.toMillis() << Math.min(failures, 6));
                long until = System.nanoTime() + pause * 1_000_000;
                try {
                    while (running && (failures > 0 || !triggered) && System.nanoTime() < until) {
                        monitor.wait(Math.max(1, (until - System.nanoTime()) / 1_000_000));
                        if (failures == 0) {
                            break;
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                triggered = false;
            }
        }
    }

    private void cycle() {
        try {
            for (int round = 0; round < 5 && running; round++) {
                if (!pushOnce()) {
                    break;
                }
            }
            pull();
            if (!pulledOnce) {
                pulledOnce = true;
                firstPull.run();
            }
            if (!online || !announced) {
                if (!online) {
                    LOG.info("{} is reachable again", provider.describe());
                }
                online = true;
                announced = true;
                events.publish(new Online(provider.describe()));
            }
        } catch (ProviderException e) {
            if (online || !announced) {
                LOG.warn("Cannot sync with {}: {}. Local changes stay queued.", provider.describe(), e.getMessage());
                online = false;
                announced = true;
                events.publish(new Offline(provider.describe(), e.getMessage()));
            }
        }
    }

    /** Pushes one batch; true when another round is useful (a conflict was resolved). */
    private boolean pushOnce() throws ProviderException {
        List<PendingRow> rows = store.read(c -> {
            List<PendingRow> ready = new ArrayList<>();
            for (PendingRow p : RecordStore.pushable(c, 200)) {
                if (!waitsForUpload(c, p)) {
                    ready.add(p);
                }
            }
            return ready;
        });
        if (rows.isEmpty()) {
            return false;
        }
        List<Mutation> batch = new ArrayList<>(rows.size());
        for (PendingRow p : rows) {
            batch.add(toMutation(p));
        }
        List<PushResult> results;
        try {
            results = provider.push(batch);
        } catch (ProviderException e) {
            if (!e.retryable()) {
                store.write(c -> {
                    for (PendingRow p : rows) {
                        RecordStore.recordPushFailure(c, p.table(), p.id(), p.seq(), e.getMessage());
                    }
                    return null;
                });
                rows.forEach(p -> {
                    events.recordChanged(p.table(), p.id());
                    events.publish(new SyncError("push " + p.table() + "/" + p.id(), e.getMessage()));
                });
            }
            throw e;
        }
        boolean again = false;
        for (int i = 0; i < rows.size(); i++) {
            PendingRow p = rows.get(i);
            PushResult r = results.get(i);
            if (r.status() == PushResult.Status.APPLIED) {
                store.write(c -> applied(c, p, r.current()));
            } else {
                again |= store.write(c -> conflict(c, p, r.current()));
            }
            events.recordChanged(p.table(), p.id());
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

    private static Mutation toMutation(PendingRow p) {
        ObjectNode changed = JSON.createObjectNode();
        if (!p.deleted()) {
            for (String f : p.changed()) {
                JsonNode v = p.fields().get(f);
                changed.set(f, v == null ? JSON.nullNode() : v);
            }
        }
        return new Mutation(p.mutationId(), p.table(), p.id(), p.baseRev(),
                p.deleted() ? Mutation.Op.DELETE : Mutation.Op.UPSERT, changed);
    }

    private static Void applied(Connection c, PendingRow p, RemoteRecord current) throws SQLException {
        RecordStore.putBase(c, current);
        if (!RecordStore.removePending(c, p.table(), p.id(), p.seq())) {
            // Changed again while the push was in flight: the newer entry now builds on this revision.
            PendingRow newer = RecordStore.pending(c, p.table(), p.id()).orElse(null);
            if (newer != null) {
                RecordStore.putPending(c, rebase(newer, current.rev(), newer.fields(), newer.changed()));
            }
        }
        return null;
    }

    /** Resolves a conflict; true when a new outbox entry waits to be pushed. */
    private boolean conflict(Connection c, PendingRow p, RemoteRecord current) throws SQLException {
        PendingRow latest = RecordStore.pending(c, p.table(), p.id()).orElse(null);
        if (latest == null) {
            return false;
        }
        if (current == null) {
            // The provider has never seen the record: push everything as new.
            RecordStore.putPending(c, rebase(latest, 0, latest.fields(), fieldNames(latest.fields())));
            return true;
        }
        RecordStore.putBase(c, current);
        if (differs(current.fields(), latest)) {
            String resolution = policy == ConflictResolution.SERVER_WINS ? "server-wins" : "last-write-wins";
            RecordStore.putConflict(c, current, latest.fields(), resolution);
            events.publish(new dev.blobsync.engine.event.Conflict(p.table(), p.id(), resolution));
            LOG.info("Conflict on {}/{}: resolved by {}; the other version is kept in the local conflicts table",
                    p.table(), p.id(), policy);
        }
        if (policy == ConflictResolution.SERVER_WINS) {
            RecordStore.removePending(c, p.table(), p.id());
            return false;
        }
        if (latest.deleted()) {
            RecordStore.putPending(c, rebase(latest, current.rev(), latest.fields(), latest.changed()));
            return true;
        }
        ObjectNode merged;
        Set<String> changed;
        if (current.deleted()) {
            merged = latest.fields().deepCopy();
            changed = fieldNames(merged);
        } else {
            merged = current.fields().deepCopy();
            for (String f : latest.changed()) {
                JsonNode v = latest.fields().get(f);
                if (v == null || v.isNull()) {
                    merged.remove(f);
                } else {
                    merged.set(f, v);
                }
            }
            changed = latest.changed();
        }
        RecordStore.putPending(c, rebase(latest, current.rev(), merged, changed));
        return true;
    }

    private static boolean differs(ObjectNode remote, PendingRow local) {
        for (String f : local.changed()) {
            if (!Objects.equals(remote.get(f), local.fields().get(f))) {
                return true;
            }
        }
        return local.deleted();
    }

    private static Set<String> fieldNames(ObjectNode o) {
        Set<String> names = new LinkedHashSet<>();
        o.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static PendingRow rebase(PendingRow p, long baseRev, ObjectNode fields, Set<String> changed) {
        return new PendingRow(p.table(), p.id(), p.seq(), UUID.randomUUID().toString(), fields, changed,
                p.deleted(), baseRev, p.draft(), p.attempts(), p.lastError(), p.updatedAt());
    }

    private void pull() throws ProviderException {
        long cursor = parseCursor(store.kv(CURSOR));
        while (running) {
            ChangePage page = provider.changesSince(cursor, 500);
            if (page.changes().isEmpty()) {
                markCaughtUp();
                return;
            }
            long next = page.cursor();
            boolean end = !page.hasMore();
            List<RemoteRecord> stored = store.write(c -> {
                List<RemoteRecord> changed = new ArrayList<>();
                for (RemoteRecord r : page.changes()) {
                    if (RecordStore.putBase(c, r)) {
                        changed.add(r);
                    }
                }
                LocalStore.putKv(c, CURSOR, Long.toString(next));
                if (end && !caughtUp) {
                    LocalStore.putKv(c, CAUGHT_UP, "true");
                }
                return changed;
            });
            received.addAndGet(page.changes().size());
            if (end) {
                caughtUp = true;
            }
            Map<String, Set<UUID>> seen = new HashMap<>();
            for (RemoteRecord r : stored) {
                if (seen.computeIfAbsent(r.table(), t -> new LinkedHashSet<>()).add(r.id())) {
                    events.recordChanged(r.table(), r.id());
                }
            }
            cursor = next;
            if (!page.hasMore()) {
                return;
            }
        }
    }

    private void markCaughtUp() {
        if (!caughtUp) {
            store.write(c -> {
                LocalStore.putKv(c, CAUGHT_UP, "true");
                return null;
            });
            caughtUp = true;
        }
    }

    private static long parseCursor(String v) {
        return v == null ? 0 : Long.parseLong(v);
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
    }
}

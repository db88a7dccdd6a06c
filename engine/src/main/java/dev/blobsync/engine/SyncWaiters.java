package dev.blobsync.engine;

import dev.blobsync.engine.schema.TableSchema;
import dev.blobsync.engine.store.LocalStore;
import dev.blobsync.engine.store.PendingRow;
import dev.blobsync.engine.store.RecordStore;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

/**
 * The futures of {@link Table#insertAsync}, {@link Table#updateAsync} and
 * {@link Table#deleteAsync}: each waits until its record has no pending change left. Checked
 * when the record changes and once right after registering (the push may have won the race), on
 * the events thread, which is also where the futures complete.
 *
 * <p>A change that lost a conflict leaves a row in the conflicts table; a waiter remembers the
 * newest such row of its record from before its write, so a newer one means its change lost.
 * A change held for a manual choice fails its future at once (the record stays in conflict).
 */
final class SyncWaiters implements ChangeListener {
    private record Key(String table, UUID id) {
    }

    private record Waiter(CompletableFuture<Record> future, long conflictsBefore) {
    }

    private final LocalStore store;
    private final String policy;
    private final Map<String, TableSchema> schemas;
    private final Executor events;
    private final Map<Key, List<Waiter>> waiting = new ConcurrentHashMap<>();
    private volatile boolean closed;

    SyncWaiters(LocalStore store, Map<String, TableSchema> schemas, Executor events, String policy) {
        this.policy = policy;
        this.store = store;
        this.schemas = schemas;
        this.events = events;
    }

    /** The newest server-wins conflict of a record; read before writing, passed to {@link #await}. */
    long conflictsNow(String table, UUID id) {
        return store.read(c -> RecordStore.lastLostConflict(c, table, id));
    }

    CompletableFuture<Record> await(String table, UUID id, long conflictsBefore) {
        CompletableFuture<Record> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(closedException());
            return f;
        }
        Key key = new Key(table, id);
        Waiter w = new Waiter(f, conflictsBefore);
        // Added inside compute, so that check() dropping an emptied list cannot lose it.
        waiting.compute(key, (k, list) -> {
            List<Waiter> l = list == null ? new CopyOnWriteArrayList<>() : list;
            l.add(w);
            return l;
        });
        events.execute(() -> check(key));
        return f;
    }

    @Override
    public void recordChanged(String table, UUID id) {
        if (!waiting.isEmpty()) {
            check(new Key(table, id));
        }
    }

    private void check(Key key) {
        List<Waiter> ws = waiting.get(key);
        if (ws == null || ws.isEmpty()) {
            return;
        }
        TableSchema schema = schemas.get(key.table());
        record Now(PendingRow pending, Record view, long conflicts) {
        }
        Now now = store.read(c -> {
            PendingRow p = RecordStore.pending(c, key.table(), key.id()).orElse(null);
            if (p != null) {
                return new Now(p, null, 0);
            }
            Record view = RecordCodec.view(schema, RecordStore.base(c, key.table(), key.id()).orElse(null), null);
            return new Now(null, view, RecordStore.lastLostConflict(c, key.table(), key.id()));
        });
        if (now.pending() != null && now.pending().held()) {
            for (Waiter w : ws) {
                ws.remove(w);
                w.future().completeExceptionally(new ConflictException("Record " + key.id() + " of table '"
                        + key.table() + "' was also changed on another device, and offline.conflictResolution is"
                        + " manual: both versions are kept until you choose one (SyncEngine.conflicts())."));
            }
            waiting.computeIfPresent(key, (k, list) -> list.isEmpty() ? null : list);
            return;
        }
        if (now.pending() != null) {
            return;
        }
        for (Waiter w : ws) {
            ws.remove(w);
            if (now.conflicts() > w.conflictsBefore()) {
                w.future().completeExceptionally(new ConflictException("The change to record " + key.id()
                        + " of table '" + key.table() + "' lost, wholly or in part, to another device's change of"
                        + " the same fields (offline.conflictResolution is " + policy + "). The version that lost is"
                        + " kept: SyncEngine.conflicts()."));
            } else {
                w.future().complete(now.view());
            }
        }
        waiting.computeIfPresent(key, (k, list) -> list.isEmpty() ? null : list);
    }

    /** The engine is closing: every future still waiting is cancelled; the changes stay queued. */
    void close() {
        closed = true;
        for (List<Waiter> ws : waiting.values()) {
            for (Waiter w : ws) {
                w.future().completeExceptionally(closedException());
            }
        }
        waiting.clear();
    }

    private static CancellationException closedException() {
        return new CancellationException("The engine was closed before the change was synced;"
                + " it stays queued and is pushed after the next start.");
    }
}

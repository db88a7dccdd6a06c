package dev.blobsync.engine;

import dev.blobsync.engine.event.ConflictResolved;
import dev.blobsync.engine.event.EventBus;
import dev.blobsync.engine.schema.TableSchema;
import dev.blobsync.engine.spi.Clocks;
import dev.blobsync.engine.spi.Hlc;
import dev.blobsync.engine.spi.RemoteRecord;
import dev.blobsync.engine.store.BaseRow;
import dev.blobsync.engine.store.ConflictRow;
import dev.blobsync.engine.store.LocalStore;
import dev.blobsync.engine.store.PendingRow;
import dev.blobsync.engine.store.RecordStore;
import dev.blobsync.engine.sync.ConflictResolver;
import dev.blobsync.engine.sync.HybridClock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The conflicts of one engine as the API shows them, and the manual choices that settle open
 * ones. A choice is one local transaction: the held outbox entry becomes pushable again (or is
 * dropped), and the kept conflict is closed with who won.
 */
final class ConflictDesk {
    private final LocalStore store;
    private final Map<String, TableSchema> schemas;
    private final HybridClock hlc;
    private final EventBus events;

    ConflictDesk(LocalStore store, Map<String, TableSchema> schemas, HybridClock hlc, EventBus events) {
        this.store = store;
        this.schemas = schemas;
        this.hlc = hlc;
        this.events = events;
    }

    List<ConflictVersion> recent(int limit) {
        return store.read(c -> RecordStore.conflicts(c, limit)).stream().map(this::version).toList();
    }

    List<ConflictVersion> open() {
        return store.read(RecordStore::openConflicts).stream().map(this::version).toList();
    }

    Optional<ConflictVersion> open(String table, UUID id) {
        return store.read(c -> RecordStore.openConflict(c, table, id)).map(this::version);
    }

    /** Settles the open conflict of one record; returns true when a change waits to be pushed. */
    boolean resolve(String table, UUID id, ConflictChoice choice, Set<String> fields) {
        boolean keepMine = choice == ConflictChoice.KEEP_MINE;
        Set<String> left = store.write(c -> {
            ConflictRow open = RecordStore.openConflict(c, table, id).orElseThrow(() -> new NotFoundException(
                    "Record " + id + " of table '" + table + "' has no open conflict."));
            Set<String> chosen = new LinkedHashSet<>(fields.isEmpty() ? open.fields() : fields);
            for (String f : chosen) {
                if (!open.fields().contains(f)) {
                    throw new InvalidException(f, "Field '" + f + "' of record " + id + " of table '" + table
                            + "' is not in conflict; the fields in conflict are: " + String.join(", ", open.fields())
                            + ".");
                }
            }
            Set<String> remaining = new LinkedHashSet<>(open.fields());
            remaining.removeAll(chosen);
            PendingRow held = RecordStore.pending(c, table, id).orElse(null);
            BaseRow base = RecordStore.base(c, table, id).orElse(null);
            if (held != null && held.held() && base != null) {
                hlc.observe(Clocks.latest(base.clocks()));
                Hlc now = hlc.tick();
                LocalStore.putKv(c, DefaultSyncEngine.HLC_KEY, now.encode());
                RemoteRecord remote = new RemoteRecord(base.table(), base.id(), base.rev(), base.deleted(),
                        base.fields(), base.clocks(), base.updatedAt());
                PendingRow next = ConflictResolver.choose(held, remote, chosen, keepMine, !remaining.isEmpty(), now);
                if (next == null) {
                    RecordStore.removePending(c, table, id);
                } else {
                    RecordStore.putPending(c, next);
                }
            }
            RecordStore.settleConflict(c, open.seq(), keepMine ? "local" : "remote", remaining);
            return remaining;
        });
        events.recordChanged(table, id);
        events.publish(new ConflictResolved(table, id, keepMine ? "keep-mine" : "take-theirs", left));
        return left.isEmpty();
    }

    private ConflictVersion version(ConflictRow r) {
        TableSchema ts = schemas.get(r.table());
        Record theirs = null;
        Record mine = null;
        if (ts != null) {
            theirs = r.remoteDeleted() ? null : new Record(r.table(), r.id(), RecordCodec.decode(ts, r.remote()),
                    r.remoteRev(), r.at(), RecordState.SYNCED, null);
            mine = r.localDeleted() ? null : new Record(r.table(), r.id(), RecordCodec.decode(ts, r.local()),
                    r.remoteRev(), r.at(), r.open() ? RecordState.CONFLICT : RecordState.SYNCED, null);
        }
        String winner = r.winner() != null || r.open() ? r.winner()
                : r.resolution().equals("server-wins") ? "remote" : "local";
        return new ConflictVersion(r.seq(), r.table(), r.id(), r.resolution(), r.at(), r.remoteRev(),
                RecordCodec.plain(r.remote()), RecordCodec.plain(r.local()), r.fields(), r.open(), r.remoteDevice(),
                winner, theirs, mine);
    }
}

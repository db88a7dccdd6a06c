package dev.blobsync.engine;

import dev.blobsync.engine.schema.FieldSchema;
import dev.blobsync.engine.schema.FieldType;
import dev.blobsync.engine.schema.TableSchema;
import dev.blobsync.engine.spi.Hlc;
import dev.blobsync.engine.store.BaseRow;
import dev.blobsync.engine.store.BlobIndex;
import dev.blobsync.engine.store.LocalStore;
import dev.blobsync.engine.store.PendingRow;
import dev.blobsync.engine.store.RecordStore;
import dev.blobsync.engine.sync.HybridClock;
import java.io.InputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A table of the engine: validates, writes the outbox, and tells listeners. Every write is one
 * local transaction, so it is all there after a crash or not at all.
 */
final class DefaultTable implements Table {
    private final DefaultSyncEngine engine;
    private final TableSchema schema;
    private final LocalStore store;
    private final Clock clock;
    private final HybridClock hlc;

    DefaultTable(DefaultSyncEngine engine, TableSchema schema, LocalStore store, Clock clock, HybridClock hlc) {
        this.engine = engine;
        this.schema = schema;
        this.store = store;
        this.clock = clock;
        this.hlc = hlc;
    }

    @Override
    public String name() {
        return schema.name();
    }

    @Override
    public TableSchema schema() {
        return schema;
    }

    @Override
    public Record insert(Map<String, Object> fields) {
        return insert(fields, false);
    }

    @Override
    public Record insertDraft(Map<String, Object> fields) {
        return insert(fields, true);
    }

    private Record insert(Map<String, Object> fields, boolean draftAllowed) {
        List<BlobRef> stored = new ArrayList<>();
        try {
            return insert(fields, draftAllowed, stored);
        } catch (RuntimeException e) {
            // Nothing refers to the bytes this write stored: they leave the cache now.
            stored.forEach(engine::discardBlob);
            throw e;
        }
    }

    private Record insert(Map<String, Object> fields, boolean draftAllowed, List<BlobRef> stored) {
        Map<String, Object> raw = new LinkedHashMap<>(fields);
        Object rawId = raw.remove("id");
        UUID id = rawId == null ? UUID.randomUUID() : toId(rawId);
        Map<String, Object> values = new LinkedHashMap<>(schema.defaults(clock));
        typed(raw, stored).forEach((k, v) -> {
            if (v == null) {
                values.remove(k);
            } else {
                values.put(k, v);
            }
        });
        boolean draft = !schema.missingRequired(values).isEmpty();
        if (draft && !draftAllowed) {
            schema.validateComplete(values);
        }
        Instant now = clock.instant();
        Record r = store.write(c -> {
            Optional<BaseRow> base = RecordStore.base(c, name(), id);
            Optional<PendingRow> pending = RecordStore.pending(c, name(), id);
            if (RecordCodec.view(schema, base.orElse(null), pending.orElse(null)) != null) {
                throw new AlreadyExistsException("Table '" + name() + "' already has a record with id " + id + ".");
            }
            Hlc at = tick(c);
            Map<String, Hlc> clocks = new HashMap<>();
            Map<String, Hlc> seen = new HashMap<>();
            for (String f : values.keySet()) {
                clocks.put(f, at);
                base.ifPresent(b -> seen.put(f, b.clock(f)));
            }
            base.ifPresent(b -> seen.put(Hlc.RECORD, b.clock(Hlc.RECORD)));
            PendingRow row = new PendingRow(name(), id, LocalStore.nextCounter(c, "outbox.seq"),
                    UUID.randomUUID().toString(), RecordCodec.encode(schema, values), new LinkedHashSet<>(values.keySet()),
                    false, base.map(BaseRow::rev).orElse(0L), draft, 0, null, now, clocks, seen, false);
            RecordStore.putPending(c, row);
            queueDirtyBlobs(c, values);
            return RecordCodec.view(schema, base.orElse(null), row);
        });
        engine.blobsReferenced(blobsIn(values));
        engine.changed(name(), id);
        return r;
    }

    @Override
    public Record update(UUID id, Map<String, Object> changes) {
        List<BlobRef> stored = new ArrayList<>();
        try {
            return update(id, changes, stored);
        } catch (RuntimeException e) {
            stored.forEach(engine::discardBlob);
            throw e;
        }
    }

    private Record update(UUID id, Map<String, Object> changes, List<BlobRef> stored) {
        Map<String, Object> raw = new LinkedHashMap<>(changes);
        if (raw.containsKey("id")) {
            Object rawId = raw.remove("id");
            if (rawId == null || !toId(rawId).equals(id)) {
                throw new InvalidException("id", "The id of a record cannot change (record " + id + " of table '"
                        + name() + "').");
            }
        }
        Map<String, Object> values = typed(raw, stored);
        Instant now = clock.instant();
        Record r = store.write(c -> {
            BaseRow base = RecordStore.base(c, name(), id).orElse(null);
            PendingRow pending = RecordStore.pending(c, name(), id).orElse(null);
            Record current = RecordCodec.view(schema, base, pending);
            if (current == null) {
                throw notFound(id);
            }
            Map<String, Object> fields = new LinkedHashMap<>(current.fields());
            values.forEach((k, v) -> {
                if (v == null) {
                    fields.remove(k);
                } else {
                    fields.put(k, v);
                }
            });
            boolean draft = current.state() == RecordState.DRAFT && !schema.missingRequired(fields).isEmpty();
            if (!draft) {
                schema.validateComplete(fields);
            }
            Set<String> changed = new LinkedHashSet<>(pending == null ? Set.of() : pending.changed());
            changed.addAll(values.keySet());
            long baseRev = pending != null ? pending.baseRev() : base.rev();
            Hlc at = tick(c);
            Map<String, Hlc> clocks = new HashMap<>(pending == null ? Map.of() : pending.clocks());
            Map<String, Hlc> seen = new HashMap<>(pending == null ? Map.of() : pending.seen());
            for (String f : values.keySet()) {
                clocks.put(f, at);
                if (base != null) {
                    seen.putIfAbsent(f, base.clock(f));
                }
            }
            PendingRow row = new PendingRow(name(), id, LocalStore.nextCounter(c, "outbox.seq"),
                    UUID.randomUUID().toString(), RecordCodec.encode(schema, fields), changed, false, baseRev, draft,
                    0, null, now, clocks, seen, pending != null && pending.held());
            RecordStore.putPending(c, row);
            queueDirtyBlobs(c, values);
            return RecordCodec.view(schema, base, row);
        });
        engine.blobsReferenced(blobsIn(values));
        engine.changed(name(), id);
        return r;
    }

    @Override
    public void delete(UUID id) {
        Instant now = clock.instant();
        store.write(c -> {
            BaseRow base = RecordStore.base(c, name(), id).orElse(null);
            PendingRow pending = RecordStore.pending(c, name(), id).orElse(null);
            if (RecordCodec.view(schema, base, pending) == null) {
                throw notFound(id);
            }
            boolean neverPushed = (base == null || base.deleted()) && pending != null && pending.draft();
            if (neverPushed) {
                RecordStore.removePending(c, name(), id);
                return null;
            }
            long baseRev = pending != null ? pending.baseRev() : base.rev();
            // A delete is decided against every field: it was based on all the clocks it saw.
            Map<String, Hlc> seen = new HashMap<>(base == null ? Map.of() : base.clocks());
            if (pending != null) {
                seen.putAll(pending.seen());
            }
            Map<String, Hlc> clocks = new HashMap<>(pending == null ? Map.of() : pending.clocks());
            clocks.put(Hlc.RECORD, tick(c));
            PendingRow row = new PendingRow(name(), id, LocalStore.nextCounter(c, "outbox.seq"),
                    UUID.randomUUID().toString(), pending != null ? pending.fields() : base.fields(), Set.of(), true,
                    baseRev, false, 0, null, now, clocks, seen, pending != null && pending.held());
            RecordStore.putPending(c, row);
            return null;
        });
        engine.changed(name(), id);
    }

    @Override
    public PendingWrite insertAsync(Map<String, Object> fields) {
        Object rawId = fields.get("id");
        UUID id = rawId == null ? UUID.randomUUID() : toId(rawId);
        Map<String, Object> withId = new LinkedHashMap<>(fields);
        withId.put("id", id);
        long conflicts = engine.waiters().conflictsNow(name(), id);
        Record r = insert(withId);
        return new PendingWrite(r, engine.waiters().await(name(), id, conflicts));
    }

    @Override
    public PendingWrite updateAsync(UUID id, Map<String, Object> changes) {
        long conflicts = engine.waiters().conflictsNow(name(), id);
        Record r = update(id, changes);
        return new PendingWrite(r, engine.waiters().await(name(), id, conflicts));
    }

    @Override
    public CompletableFuture<Void> deleteAsync(UUID id) {
        long conflicts = engine.waiters().conflictsNow(name(), id);
        delete(id);
        return engine.waiters().await(name(), id, conflicts).thenApply(r -> null);
    }

    @Override
    public Query query() {
        return engine.liveQueries().query(this);
    }

    @Override
    public Optional<Record> get(UUID id) {
        return Optional.ofNullable(store.read(c -> RecordCodec.view(schema,
                RecordStore.base(c, name(), id).orElse(null), RecordStore.pending(c, name(), id).orElse(null))));
    }

    @Override
    public List<Record> list() {
        return store.read(this::listLocked);
    }

    private List<Record> listLocked(Connection c) throws SQLException {
        Map<UUID, BaseRow> bases = new HashMap<>();
        for (BaseRow b : RecordStore.baseRows(c, name())) {
            bases.put(b.id(), b);
        }
        List<Record> out = new ArrayList<>(bases.size());
        for (PendingRow p : RecordStore.pendingRows(c, name())) {
            BaseRow b = bases.remove(p.id());
            if (b == null) {
                b = RecordStore.base(c, name(), p.id()).orElse(null);
            }
            Record r = RecordCodec.view(schema, b, p);
            if (r != null) {
                out.add(r);
            }
        }
        for (BaseRow b : bases.values()) {
            out.add(RecordCodec.view(schema, b, null));
        }
        out.sort(Comparator.comparing(Record::updatedAt).thenComparing(Record::id));
        return out;
    }

    /** A clock for this write, persisted with it so clocks keep increasing across restarts. */
    private Hlc tick(Connection c) throws SQLException {
        Hlc at = hlc.tick();
        LocalStore.putKv(c, DefaultSyncEngine.HLC_KEY, at.encode());
        return at;
    }

    /**
     * Queues the upload of every blob written on this device that the change refers to, with its
     * chunk list, in the change's own transaction: the change is pushed only after its bytes are
     * uploaded, and bytes no change refers to are never queued. A blob that left the queue while
     * nothing referred to it is queued again.
     */
    private static void queueDirtyBlobs(Connection c, Map<String, Object> values) throws SQLException {
        for (BlobRef ref : blobsIn(values)) {
            for (String sha : ref.chunks() == null ? List.of(ref.sha256()) : List.of(ref.sha256(), ref.chunks())) {
                var row = BlobIndex.get(c, sha);
                if (row.isPresent() && row.get().dirty() && row.get().size() > 0) {
                    BlobIndex.enqueueUpload(c, sha, row.get().size());
                    BlobIndex.markReferenced(c, sha);
                }
            }
        }
    }

    private static List<BlobRef> blobsIn(Map<String, Object> values) {
        List<BlobRef> out = new ArrayList<>();
        for (Object v : values.values()) {
            if (v instanceof BlobRef ref) {
                out.add(ref);
            }
        }
        return out;
    }

    /**
     * Coerces raw values; blob values given as a file or a stream are stored in the cache and
     * added to {@code stored}.
     */
    private Map<String, Object> typed(Map<String, Object> raw, List<BlobRef> stored) {
        Map<String, Object> plain = new LinkedHashMap<>();
        Map<String, Object> blobs = new LinkedHashMap<>();
        raw.forEach((k, v) -> {
            if (v instanceof Path || v instanceof InputStream) {
                blobs.put(k, v);
            } else {
                plain.put(k, v);
            }
        });
        Map<String, Object> typed = schema.coerceAll(plain);
        for (Map.Entry<String, Object> e : blobs.entrySet()) {
            FieldSchema f = schema.field(e.getKey()).orElse(null);
            if (f == null || f.type() != FieldType.BLOB) {
                schema.coerce(e.getKey(), e.getValue()); // throws the schema's own message
                throw new InvalidException(e.getKey(), "Field '" + e.getKey() + "' of table '" + name()
                        + "' is not a blob field.");
            }
            BlobRef ref = storeBlob(f, e.getValue());
            stored.add(ref);
            typed.put(e.getKey(), ref);
        }
        return typed;
    }

    private BlobRef storeBlob(FieldSchema f, Object value) {
        if (value instanceof Path p) {
            String type = MimeTypes.forFileName(p.getFileName().toString());
            checkType(f, type, p.getFileName().toString());
            return engine.putBlob(p, type, p.getFileName().toString(), false);
        }
        String type = f.mimeTypes().size() == 1 && !f.mimeTypes().get(0).contains("*")
                ? f.mimeTypes().get(0) : MimeTypes.OCTET_STREAM;
        checkType(f, type, "the stream");
        return engine.putBlob((InputStream) value, type, null);
    }

    private void checkType(FieldSchema f, String type, String what) {
        if (!f.acceptsMimeType(type)) {
            throw new InvalidException(f.name(), "Field '" + f.name() + "' of table '" + name() + "' accepts "
                    + String.join(", ", f.mimeTypes()) + ", but " + what + " is " + type + ".");
        }
    }

    private UUID toId(Object raw) {
        if (raw instanceof UUID u) {
            return u;
        }
        try {
            return UUID.fromString(String.valueOf(raw));
        } catch (IllegalArgumentException e) {
            throw new InvalidException("id", "The id of a record of table '" + name() + "' must be a UUID, but got '"
                    + raw + "'.");
        }
    }

    private NotFoundException notFound(UUID id) {
        return new NotFoundException("Table '" + name() + "' has no record with id " + id + ".");
    }
}

package dev.blobsync.engine.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.spi.Clocks;
import dev.blobsync.engine.spi.Hlc;
import dev.blobsync.engine.spi.Mutation;
import dev.blobsync.engine.spi.PushResult;
import dev.blobsync.engine.spi.RemoteRecord;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * How every data provider applies one mutation, written once: the idempotency check, the
 * revision check, and the per-field clock rule of the {@code DataProvider} contract. A backend
 * supplies the storage steps ({@link Target}) and runs this inside its own transaction.
 */
public final class RecordMerge {
    private RecordMerge() {
    }

    /** The storage steps of one backend, called inside its transaction. */
    public interface Target {
        /** The stored record, locked against concurrent writers until the transaction ends; null if none. */
        RemoteRecord lockAndGet(String table, UUID id) throws SQLException;

        /** True when {@code mutationId} was applied before. */
        boolean applied(String mutationId) throws SQLException;

        /** Stores the new state (a new revision) and returns it as stored. */
        RemoteRecord write(String table, UUID id, boolean deleted, ObjectNode fields, Map<String, Hlc> clocks,
                           RemoteRecord previous) throws SQLException;

        /** Remembers that {@code m} was applied. */
        void markApplied(Mutation m) throws SQLException;
    }

    /** The result of laying a mutation over a stored record by clocks. */
    public record Merged(boolean deleted, ObjectNode fields, Map<String, Hlc> clocks, boolean changed) {
    }

    /** Applies {@code m} through {@code target}; see the class comment. */
    public static PushResult push(Mutation m, Target target) throws SQLException {
        RemoteRecord current = target.lockAndGet(m.table(), m.id());
        if (target.applied(m.mutationId())) {
            return new PushResult(m.mutationId(), PushResult.Status.APPLIED, current);
        }
        long currentRev = current == null ? 0 : current.rev();
        if (currentRev != m.baseRev()) {
            return new PushResult(m.mutationId(), PushResult.Status.CONFLICT, current);
        }
        Merged merged = merge(current, m);
        RemoteRecord stored = current;
        if (merged.changed()) {
            stored = target.write(m.table(), m.id(), merged.deleted(), merged.fields(), merged.clocks(), current);
        }
        target.markApplied(m);
        return new PushResult(m.mutationId(), PushResult.Status.APPLIED, stored);
    }

    /**
     * Lays {@code m} over {@code stored} (null for a record the provider has never seen): each
     * field takes the mutation's value only when the mutation's clock for it is later than the
     * stored one; a delete wins only over clocks older than its own; an upsert re-creates a
     * deleted record only with a clock later than the delete's. A field removed keeps its clock,
     * so an older write cannot bring it back.
     */
    public static Merged merge(RemoteRecord stored, Mutation m) {
        ObjectNode fields = stored == null ? JsonNodeFactory.instance.objectNode() : stored.fields().deepCopy();
        Map<String, Hlc> clocks = stored == null ? new HashMap<>() : new HashMap<>(stored.clocks());
        boolean deleted = stored != null && stored.deleted();
        boolean changed = stored == null;
        if (m.op() == Mutation.Op.DELETE) {
            Hlc dc = m.clock(Hlc.RECORD);
            if (stored == null) {
                clocks.put(Hlc.RECORD, dc);
                return new Merged(true, fields, clocks, true);
            }
            if (!deleted && dc.after(Clocks.latest(stored.clocks()))) {
                clocks.put(Hlc.RECORD, dc);
                return new Merged(true, fields, clocks, true);
            }
            return new Merged(deleted, fields, clocks, changed);
        }
        Hlc newest = Hlc.ZERO;
        for (Map.Entry<String, JsonNode> e : m.fields().properties()) {
            String f = e.getKey();
            Hlc mc = m.clock(f);
            newest = Hlc.max(newest, mc);
            if (stored != null && !mc.after(Clocks.of(clocks, f))) {
                continue;
            }
            JsonNode v = e.getValue();
            if (v == null || v.isNull()) {
                fields.remove(f);
            } else {
                fields.set(f, v);
            }
            clocks.put(f, mc);
            changed = true;
        }
        if (stored == null) {
            clocks.put(Hlc.RECORD, newest);
        } else if (deleted && newest.after(Clocks.of(clocks, Hlc.RECORD))) {
            deleted = false;
            clocks.put(Hlc.RECORD, newest);
            changed = true;
        }
        return new Merged(deleted, fields, clocks, changed);
    }
}

package dev.blobsync.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.schema.TableSchema;
import dev.blobsync.engine.store.BaseRow;
import dev.blobsync.engine.store.PendingRow;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Typed field values ↔ their stored JSON form, and the record view (base + outbox). */
final class RecordCodec {
    private static final Logger LOG = LoggerFactory.getLogger(RecordCodec.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private RecordCodec() {
    }

    /** Stored JSON as plain Java maps, lists and scalars. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> plain(ObjectNode json) {
        return JSON.convertValue(json, Map.class);
    }

    static ObjectNode encode(TableSchema ts, Map<String, Object> typed) {
        return ts.toJson(typed, true);
    }

    /**
     * Decodes stored fields leniently: a field this schema does not know (written by a newer
     * schema elsewhere) is skipped here, and stays stored remotely because pushes only send
     * changed fields.
     */
    static Map<String, Object> decode(TableSchema ts, ObjectNode json) {
        Map<String, Object> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = json.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (ts.field(e.getKey()).isEmpty() || e.getValue().isNull()) {
                continue;
            }
            try {
                out.put(e.getKey(), ts.coerce(e.getKey(), JSON.treeToValue(e.getValue(), Object.class)));
            } catch (InvalidException | JsonProcessingException ex) {
                LOG.warn("Skipping unreadable stored value of {}.{}: {}", ts.name(), e.getKey(), ex.getMessage());
            }
        }
        return out;
    }

    /**
     * The record as the API shows it, or {@code null} when deleted or absent: the base with the
     * outbox's changed fields laid over it, so a remote change of another field shows at once.
     */
    static Record view(TableSchema ts, BaseRow base, PendingRow pending) {
        if (pending != null) {
            if (pending.deleted()) {
                return null;
            }
            Map<String, Object> fields = decode(ts, overlay(base, pending));
            RecordState state;
            String error = null;
            if (pending.held()) {
                state = RecordState.CONFLICT;
                error = "Changed here and on another device: both versions are kept until one is chosen.";
            } else if (pending.draft()) {
                state = RecordState.DRAFT;
                List<String> missing = ts.missingRequired(fields);
                error = "Draft, kept on this device until complete: missing "
                        + (missing.size() == 1 ? "field " : "fields ") + String.join(", ", missing) + ".";
            } else if (pending.lastError() != null) {
                state = RecordState.ERROR;
                error = pending.lastError();
            } else {
                state = RecordState.QUEUED;
            }
            return new Record(ts.name(), pending.id(), fields, base == null ? 0 : base.rev(), pending.updatedAt(),
                    state, error);
        }
        if (base == null || base.deleted()) {
            return null;
        }
        return new Record(ts.name(), base.id(), decode(ts, base.fields()), base.rev(), base.updatedAt(),
                RecordState.SYNCED, null);
    }

    private static ObjectNode overlay(BaseRow base, PendingRow pending) {
        if (base == null || base.deleted() || pending.draft()) {
            return pending.fields();
        }
        ObjectNode out = base.fields().deepCopy();
        for (String f : pending.changed()) {
            JsonNode v = pending.fields().get(f);
            if (v == null || v.isNull()) {
                out.remove(f);
            } else {
                out.set(f, v);
            }
        }
        return out;
    }
}

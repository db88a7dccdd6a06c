package dev.blobsync.engine.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One change pushed to a {@link DataProvider}.
 *
 * @param mutationId unique per change; pushing the same id twice applies it once
 * @param table      table name
 * @param id         record id
 * @param baseRev    the revision the change was made on; 0 for a record new to the provider
 * @param op         upsert or delete
 * @param fields     for an upsert, the changed fields in their JSON form; a JSON null removes
 *                   the field. Fields not named keep their stored value. Empty for a delete.
 * @param clocks     the clock of each field in {@code fields}; for a delete, one entry under
 *                   {@link Hlc#RECORD}. A field without one counts as {@link Hlc#ZERO}.
 */
public record Mutation(String mutationId, String table, UUID id, long baseRev, Op op, ObjectNode fields,
                       Map<String, Hlc> clocks) {

    public enum Op { UPSERT, DELETE }

    public Mutation {
        Objects.requireNonNull(mutationId, "mutationId");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(fields, "fields");
        clocks = Map.copyOf(clocks);
    }

    /** The clock of {@code field} (or {@link Hlc#RECORD}); {@link Hlc#ZERO} when it has none. */
    public Hlc clock(String field) {
        return Clocks.of(clocks, field);
    }
}

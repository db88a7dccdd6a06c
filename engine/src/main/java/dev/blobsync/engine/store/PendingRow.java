package dev.blobsync.engine.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.spi.Clocks;
import dev.blobsync.engine.spi.Hlc;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The outbox entry of one record: its full local state and which fields changed since the
 * base. Successive local changes to one record coalesce into this one row; {@code seq} and
 * {@code mutationId} change with every local change, so a push can tell whether the row it
 * pushed is still the latest.
 *
 * @param clocks the clock of each changed field's last local write (for a delete, under
 *               {@link Hlc#RECORD})
 * @param seen   the provider's clock of each changed field when this device first changed it:
 *               a provider clock that differs at push time means another device changed the
 *               field concurrently
 * @param held   true while a conflict waits for a manual choice: not pushed until resolved
 */
public record PendingRow(String table, UUID id, long seq, String mutationId, ObjectNode fields,
                         Set<String> changed, boolean deleted, long baseRev, boolean draft, int attempts,
                         String lastError, Instant updatedAt, Map<String, Hlc> clocks, Map<String, Hlc> seen,
                         boolean held) {

    public PendingRow {
        clocks = Map.copyOf(clocks);
        seen = Map.copyOf(seen);
    }

    public Hlc clock(String field) {
        return Clocks.of(clocks, field);
    }

    public Hlc seen(String field) {
        return Clocks.of(seen, field);
    }
}

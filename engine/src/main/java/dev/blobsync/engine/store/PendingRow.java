package dev.blobsync.engine.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;

/**
 * The outbox entry of one record: its full local state and which fields changed since the
 * base. Successive local changes to one record coalesce into this one row; {@code seq} and
 * {@code mutationId} change with every local change, so a push can tell whether the row it
 * pushed is still the latest.
 */
public record PendingRow(String table, UUID id, long seq, String mutationId, ObjectNode fields,
                         Set<String> changed, boolean deleted, long baseRev, boolean draft, int attempts,
                         String lastError, Instant updatedAt) {
}

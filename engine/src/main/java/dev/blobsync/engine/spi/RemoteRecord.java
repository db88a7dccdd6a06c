package dev.blobsync.engine.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A record as the data provider stores it.
 *
 * @param rev       the provider's revision of this record; it grows with every change of it
 * @param deleted   true for a tombstone
 * @param fields    all stored fields in their JSON form (unknown ones included)
 * @param clocks    the clock of each field's last write, and of the record's last delete or
 *                  re-creation under {@link Hlc#RECORD}; missing entries count as {@link Hlc#ZERO}
 * @param updatedAt when the provider committed this revision
 */
public record RemoteRecord(String table, UUID id, long rev, boolean deleted, ObjectNode fields,
                           Map<String, Hlc> clocks, Instant updatedAt) {

    public RemoteRecord {
        clocks = Map.copyOf(clocks);
    }

    /** The clock of {@code field} (or {@link Hlc#RECORD}); {@link Hlc#ZERO} when it has none. */
    public Hlc clock(String field) {
        return Clocks.of(clocks, field);
    }
}

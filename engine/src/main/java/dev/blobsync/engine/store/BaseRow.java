package dev.blobsync.engine.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.spi.Clocks;
import dev.blobsync.engine.spi.Hlc;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A record as last pulled from (or acknowledged by) the data provider, with the clock of each
 * field's last write (missing: written before clocks, {@link Hlc#ZERO}).
 */
public record BaseRow(String table, UUID id, long rev, boolean deleted, ObjectNode fields, Map<String, Hlc> clocks,
                      Instant updatedAt) {

    public BaseRow {
        clocks = Map.copyOf(clocks);
    }

    public Hlc clock(String field) {
        return Clocks.of(clocks, field);
    }
}

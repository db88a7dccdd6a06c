package dev.blobsync.engine.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.UUID;

/**
 * A record as the data provider stores it.
 *
 * @param rev       the provider's revision of this record
 * @param deleted   true for a tombstone
 * @param fields    all stored fields in their JSON form (unknown ones included)
 * @param updatedAt when the provider committed this revision
 */
public record RemoteRecord(String table, UUID id, long rev, boolean deleted, ObjectNode fields,
                           Instant updatedAt) {
}

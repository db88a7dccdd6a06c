package dev.blobsync.engine.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.UUID;

/** A record as last pulled from (or acknowledged by) the data provider. */
public record BaseRow(String table, UUID id, long rev, boolean deleted, ObjectNode fields, Instant updatedAt) {
}

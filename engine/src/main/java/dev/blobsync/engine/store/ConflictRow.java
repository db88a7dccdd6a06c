package dev.blobsync.engine.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.UUID;

/** A resolved conflict as the local store keeps it: both versions in their stored JSON form. */
public record ConflictRow(long seq, String table, UUID id, String resolution, Instant at, long remoteRev,
                          ObjectNode remote, ObjectNode local) {
}

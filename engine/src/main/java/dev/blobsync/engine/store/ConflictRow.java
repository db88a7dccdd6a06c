package dev.blobsync.engine.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;

/**
 * A conflict as the local store keeps it: both versions in their stored JSON form.
 *
 * @param fields        the fields both sides changed to different values
 * @param open          true while it waits for a manual choice
 * @param remoteDevice  the device that wrote the remote side of the conflicting fields, or null
 * @param remoteDeleted the remote side had deleted the record
 * @param localDeleted  this device had deleted the record
 * @param winner        {@code local}, {@code remote} or {@code mixed} (per field) once settled; null while
 *                      open, and for conflicts kept before winners were recorded
 */
public record ConflictRow(long seq, String table, UUID id, String resolution, Instant at, long remoteRev,
                          ObjectNode remote, ObjectNode local, Set<String> fields, boolean open, String remoteDevice,
                          boolean remoteDeleted, boolean localDeleted, String winner) {

    public ConflictRow {
        fields = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(fields));
    }
}

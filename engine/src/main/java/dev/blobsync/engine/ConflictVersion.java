package dev.blobsync.engine;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A conflict this device met, with both versions kept (invariant 6: whatever the policy, the
 * version that did not win stays retrievable). An {@link #open()} one (policy {@code manual})
 * waits for {@link SyncEngine#resolveConflict}; meanwhile the record shows this device's version
 * with state {@link RecordState#CONFLICT}.
 *
 * @param seq          increasing number of the conflict on this device
 * @param resolution   the policy that met it: {@code last-write-wins}, {@code server-wins} or
 *                     {@code manual}
 * @param remoteRev    the provider's revision that conflicted (the newest pulled, while open)
 * @param remote       the record as the provider held it, in its stored JSON form
 * @param local        the record as this device had changed it, in its stored JSON form
 * @param fields       the fields both sides changed to different values; empty when one side
 *                     deleted the record
 * @param open         true while it waits for a choice
 * @param remoteDevice the device that wrote the other version, when known (it names the
 *                     conflict copies a front end shows, like {@code meta.conflict-<device>.json})
 * @param winner       {@code local}, {@code remote} or {@code mixed} (per field); null while open
 * @param theirs       the other version, typed by the schema (blob fields as {@link BlobRef}s,
 *                     readable with {@link SyncEngine#openBlob}); null when it deleted the record
 * @param mine         this device's version, typed; null when this device deleted the record
 */
public record ConflictVersion(long seq, String table, UUID id, String resolution, Instant at, long remoteRev,
                              Map<String, Object> remote, Map<String, Object> local, Set<String> fields,
                              boolean open, String remoteDevice, String winner, Record theirs, Record mine) {
}

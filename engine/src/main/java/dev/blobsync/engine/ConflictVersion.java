package dev.blobsync.engine;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A conflict this device resolved, with both versions kept (invariant 6: whatever the policy,
 * the version that did not win stays retrievable). Fields are in their stored JSON form.
 *
 * @param seq        increasing number of the conflict on this device
 * @param resolution {@code last-write-wins} (this device's changed fields won) or
 *                   {@code server-wins} (this device's change was dropped)
 * @param remoteRev  the provider's revision that conflicted
 * @param remote     the record as the provider held it
 * @param local      the record as this device had changed it
 */
public record ConflictVersion(long seq, String table, UUID id, String resolution, Instant at, long remoteRev,
                              Map<String, Object> remote, Map<String, Object> local) {
}

package dev.blobsync.engine.event;

import java.util.Set;
import java.util.UUID;

/**
 * An open conflict (policy {@code manual}) was settled by a choice; {@code fieldsLeft} is empty
 * once the whole record is settled.
 *
 * @param choice {@code keep-mine} or {@code take-theirs}
 */
public record ConflictResolved(String table, UUID id, String choice, Set<String> fieldsLeft) implements EngineEvent {
}

package dev.blobsync.engine.event;

import java.util.UUID;

/**
 * Two devices changed the same record; it was settled by {@code resolution} and the losing
 * version is kept ({@code SyncEngine.conflicts()}, {@code .blobsync/conflicts/} in the mount).
 */
public record Conflict(String table, UUID id, String resolution) implements EngineEvent {
}

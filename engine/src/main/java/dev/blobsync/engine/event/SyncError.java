package dev.blobsync.engine.event;

/**
 * Something could not be synced; it stays queued and is retried.
 *
 * @param operation what failed, e.g. {@code upload 3f2a…} or {@code push photos/…}
 * @param error     why, in words
 */
public record SyncError(String operation, String error) implements EngineEvent {
}

package dev.blobsync.engine.event;

/**
 * An event the engine publishes; subscribe with {@code SyncEngine.on(type, listener)}.
 * Listeners run on the engine's events thread, never on a caller's or a FUSE thread.
 */
public interface EngineEvent {
}

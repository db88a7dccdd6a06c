package dev.blobsync.engine.event;

/** A provider cannot be reached; changes stay queued until it answers again. */
public record Offline(String provider, String reason) implements EngineEvent {
}

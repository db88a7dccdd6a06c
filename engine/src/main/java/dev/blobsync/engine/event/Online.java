package dev.blobsync.engine.event;

/** A provider answers again after having been unreachable. */
public record Online(String provider) implements EngineEvent {
}

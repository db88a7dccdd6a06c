package dev.blobsync.engine.event;

import java.util.List;

/** Blobs left the local cache to make room; they are fetched again when read. */
public record CacheEviction(List<String> items) implements EngineEvent {
}

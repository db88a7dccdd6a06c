package dev.blobsync.engine.event;

/**
 * Progress of one blob upload. Consecutive progress events of one blob may be coalesced, so a
 * slow listener sees the latest value rather than every step.
 *
 * @param id       the blob's SHA-256
 * @param progress 0.0 to 1.0
 */
public record UploadProgress(String id, double progress, long bytesSent, long size) implements EngineEvent {
}

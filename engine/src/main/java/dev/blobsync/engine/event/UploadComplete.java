package dev.blobsync.engine.event;

/**
 * A blob has been uploaded.
 *
 * @param id  the blob's SHA-256
 * @param url where the provider serves it, or {@code null} when it has no URL
 */
public record UploadComplete(String id, String url) implements EngineEvent {
}

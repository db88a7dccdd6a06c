package dev.blobsync.engine.store;

/** The cache index entry of one blob. {@code dirty} means written here and not yet uploaded. */
public record BlobRow(String sha256, long size, String type, boolean dirty, String priority, long lastAccess) {
}

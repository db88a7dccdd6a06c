package dev.blobsync.engine.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * A blob as its provider lists it, for garbage collection.
 *
 * @param key          the blob key (lower-case hex SHA-256)
 * @param size         its size in bytes
 * @param lastModified when the provider last wrote it; garbage collection leaves blobs younger
 *                     than its grace period alone
 */
public record StoredBlob(String key, long size, Instant lastModified) {
    public StoredBlob {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(lastModified, "lastModified");
    }
}

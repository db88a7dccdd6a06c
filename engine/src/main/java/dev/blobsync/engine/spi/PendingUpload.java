package dev.blobsync.engine.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * An upload session the provider still holds (begun, neither completed nor aborted), for the
 * cleanup of sessions whose client went away. Pass {@code token} to {@link BlobProvider#abort}.
 *
 * @param key       the blob key the session uploads
 * @param token     a token {@link BlobProvider#abort} accepts for it
 * @param lastActive when the session began, or last received bytes where the provider knows
 */
public record PendingUpload(String key, String token, Instant lastActive) {
    public PendingUpload {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(lastActive, "lastActive");
    }
}

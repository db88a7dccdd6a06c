package dev.blobsync.engine;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A URL that reads a blob's bytes until {@code expiresAt}, as {@link SyncEngine#blobUrlWithExpiry}
 * hands it out.
 *
 * @param uri       a {@code file:} URL of a cached blob, or the provider's ({@code https:} for a
 *                  presigned one)
 * @param expiresAt when it stops working; {@link Instant#MAX} for a URL that does not expire
 */
public record BlobUrl(URI uri, Instant expiresAt) {
    /** Ask for a new URL at the latest this long before expiry. */
    static final Duration MAX_MARGIN = Duration.ofMinutes(5);

    public BlobUrl {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    /** A URL that does not expire (a {@code file:} URL, a public one). */
    public static BlobUrl lasting(URI uri) {
        return new BlobUrl(uri, Instant.MAX);
    }

    /** True unless it lasts forever. */
    public boolean expires() {
        return !expiresAt.equals(Instant.MAX);
    }

    /**
     * When a holder that got this URL at {@code now} should ask for a new one: once only a
     * quarter of the lifetime left at {@code now} remains, at most 5 minutes before it expires.
     * The engine signs anew by the same rule, so asking then gets a fresh URL. {@link Instant#MAX}
     * for a URL that does not expire; {@code now} for one that has.
     */
    public Instant refreshAt(Instant now) {
        if (!expires()) {
            return Instant.MAX;
        }
        Duration left = Duration.between(now, expiresAt);
        if (left.isNegative() || left.isZero()) {
            return now;
        }
        Duration margin = left.dividedBy(4);
        return expiresAt.minus(margin.compareTo(MAX_MARGIN) > 0 ? MAX_MARGIN : margin);
    }
}

package dev.blobsync.engine.spi;

import java.net.URI;
import java.time.Instant;
import java.util.Objects;

/**
 * A URL that fetches a blob without credentials until {@code expiresAt}, as handed out by
 * {@link BlobProvider#presignGet}.
 *
 * @param uri       the URL ({@code https:}, {@code http:} or {@code file:})
 * @param expiresAt when it stops working; {@link Instant#MAX} for a URL that does not expire
 */
public record PresignedUrl(URI uri, Instant expiresAt) {
    public PresignedUrl {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }
}

package dev.blobsync.engine.url;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.blobsync.engine.spi.PresignedUrl;
import dev.blobsync.engine.spi.ProviderException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Presigned GET URLs of blobs, one per blob, cached with a per-entry expiry (Caffeine) that
 * ends before the URL does: a URL is handed out only while at least a quarter of its lifetime
 * (at most 5 minutes) is left, and the first request after that signs a new one. Signing is
 * local for S3 (no request), so re-signing lazily costs nothing; a timer would sign URLs
 * nobody asks for.
 *
 * <p>The clock (to read the URL's expiry) and the ticker (Caffeine's time) are injected so
 * tests run without sleeping; they must advance together.
 */
public final class BlobUrls {

    /** Signs a URL for blob {@code sha} valid for at most {@code maxTtl}; empty when it cannot. */
    @FunctionalInterface
    public interface Signer {
        Optional<PresignedUrl> sign(String sha, Duration maxTtl) throws ProviderException;
    }

    /** Asked of the signer; providers cap it to their configured lifetime (s3: {@code urlExpiry}). */
    static final Duration REQUESTED = Duration.ofDays(7);
    static final Duration MAX_MARGIN = Duration.ofMinutes(5);
    /** How long a URL that never expires (a {@code file:} URL) stays cached. */
    static final Duration FOREVER = Duration.ofDays(1);

    private final Signer signer;
    private final Clock clock;
    private final Cache<String, PresignedUrl> cache;

    public BlobUrls(Signer signer, Clock clock, Ticker ticker) {
        this.signer = signer;
        this.clock = clock;
        this.cache = Caffeine.newBuilder()
                .ticker(ticker)
                .executor(Runnable::run)
                .maximumSize(10_000)
                .expireAfter(new Expiry<String, PresignedUrl>() {
                    @Override
                    public long expireAfterCreate(String sha, PresignedUrl url, long now) {
                        return keepFor(url).toNanos();
                    }

                    @Override
                    public long expireAfterUpdate(String sha, PresignedUrl url, long now, long current) {
                        return keepFor(url).toNanos();
                    }

                    @Override
                    public long expireAfterRead(String sha, PresignedUrl url, long now, long current) {
                        return current;
                    }
                })
                .build();
    }

    public static BlobUrls system(Signer signer) {
        return new BlobUrls(signer, Clock.systemUTC(), Ticker.systemTicker());
    }

    /** How long {@code url} may be handed out from now: its lifetime left minus the margin. */
    private Duration keepFor(PresignedUrl url) {
        if (url.expiresAt().equals(Instant.MAX)) {
            return FOREVER;
        }
        Duration left = Duration.between(clock.instant(), url.expiresAt());
        if (left.isNegative() || left.isZero()) {
            return Duration.ZERO;
        }
        Duration margin = left.dividedBy(4);
        if (margin.compareTo(MAX_MARGIN) > 0) {
            margin = MAX_MARGIN;
        }
        return left.minus(margin);
    }

    /** A URL for blob {@code sha} with time left, signing a new one when needed. */
    public Optional<URI> get(String sha) throws ProviderException {
        return getSigned(sha).map(PresignedUrl::uri);
    }

    /** Like {@link #get}, with the URL's expiry. */
    public Optional<PresignedUrl> getSigned(String sha) throws ProviderException {
        PresignedUrl cached = cache.getIfPresent(sha);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<PresignedUrl> fresh = signer.sign(sha, REQUESTED);
        fresh.ifPresent(url -> cache.put(sha, url));
        return fresh;
    }

    /** The URL cached for {@code sha}, if one with time left is (for tests and status). */
    public Optional<PresignedUrl> cached(String sha) {
        return Optional.ofNullable(cache.getIfPresent(sha));
    }
}

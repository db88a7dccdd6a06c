package dev.blobsync.engine.url;

import static org.assertj.core.api.Assertions.assertThat;

import dev.blobsync.engine.spi.PresignedUrl;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BlobUrlsTest {
    private static final String SHA = "a".repeat(64);
    private static final Instant START = Instant.parse("2026-11-26T10:00:00Z");

    /** One fake time for the clock and Caffeine's ticker. */
    private final AtomicLong nanos = new AtomicLong();
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return START.plusNanos(nanos.get());
        }
    };
    private final List<Instant> signedAt = new ArrayList<>();

    private BlobUrls urls(Duration lifetime) {
        return new BlobUrls((sha, maxTtl) -> {
            signedAt.add(clock.instant());
            Duration ttl = maxTtl.compareTo(lifetime) < 0 ? maxTtl : lifetime;
            return Optional.of(new PresignedUrl(URI.create("https://s3.example/" + sha + "?n=" + signedAt.size()),
                    clock.instant().plus(ttl)));
        }, clock, nanos::get);
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    @Test
    void aUrlIsReusedWhileAQuarterOfItsLifeIsLeftThenReSigned() throws Exception {
        BlobUrls urls = urls(Duration.ofMinutes(2));
        URI first = urls.get(SHA).orElseThrow();
        advance(Duration.ofSeconds(89));
        assertThat(urls.get(SHA)).contains(first);
        advance(Duration.ofSeconds(2)); // 91 s: less than 30 s (a quarter) left
        URI second = urls.get(SHA).orElseThrow();
        assertThat(second).isNotEqualTo(first);
        assertThat(signedAt).hasSize(2);
    }

    @Test
    void longLivedUrlsAreReSignedFiveMinutesBeforeTheyExpire() throws Exception {
        BlobUrls urls = urls(Duration.ofHours(1));
        URI first = urls.get(SHA).orElseThrow();
        advance(Duration.ofMinutes(54).plusSeconds(59));
        assertThat(urls.get(SHA)).contains(first);
        advance(Duration.ofSeconds(2));
        assertThat(urls.get(SHA)).isPresent().get().isNotEqualTo(first);
        PresignedUrl fresh = urls.cached(SHA).orElseThrow();
        assertThat(Duration.between(clock.instant(), fresh.expiresAt())).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void everyUrlHandedOutHasTimeLeft() throws Exception {
        BlobUrls urls = urls(Duration.ofSeconds(40));
        for (int i = 0; i < 200; i++) {
            urls.get(SHA);
            PresignedUrl given = urls.cached(SHA).orElseThrow();
            assertThat(Duration.between(clock.instant(), given.expiresAt())).isGreaterThanOrEqualTo(Duration.ofSeconds(10));
            advance(Duration.ofSeconds(1));
        }
    }

    @Test
    void providersWithoutUrlsGiveNone() throws Exception {
        BlobUrls urls = new BlobUrls((sha, ttl) -> Optional.empty(), clock, nanos::get);
        assertThat(urls.get(SHA)).isEmpty();
    }

    @Test
    void urlsThatNeverExpireAreKept() throws Exception {
        List<Integer> calls = new ArrayList<>();
        BlobUrls urls = new BlobUrls((sha, ttl) -> {
            calls.add(1);
            return Optional.of(new PresignedUrl(URI.create("file:///hub/blobs/" + sha), Instant.MAX));
        }, clock, nanos::get);
        urls.get(SHA);
        advance(Duration.ofHours(23));
        urls.get(SHA);
        assertThat(calls).hasSize(1);
    }
}

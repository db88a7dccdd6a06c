package dev.blobsync.engine.upload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.blobsync.engine.config.Backoff;
import dev.blobsync.engine.config.RetryStrategy;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private static Duration max(RetryStrategy s, int attempt) {
        SplittableRandom r = new SplittableRandom(1);
        Duration worst = Duration.ZERO;
        for (int i = 0; i < 2000; i++) {
            Duration d = dev.blobsync.engine.upload.Backoff.delay(s, attempt, r);
            worst = d.compareTo(worst) > 0 ? d : worst;
        }
        return worst;
    }

    @Test
    void exponentialDelaysDoubleUpToTheCapWithFullJitter() {
        RetryStrategy s = new RetryStrategy(5, Backoff.EXPONENTIAL, Duration.ofSeconds(1), Duration.ofSeconds(30));
        assertThat(max(s, 1)).isLessThanOrEqualTo(Duration.ofSeconds(1)).isGreaterThan(Duration.ofMillis(900));
        assertThat(max(s, 3)).isLessThanOrEqualTo(Duration.ofSeconds(4)).isGreaterThan(Duration.ofMillis(3600));
        assertThat(max(s, 20)).isLessThanOrEqualTo(Duration.ofSeconds(30)).isGreaterThan(Duration.ofSeconds(27));
        SplittableRandom r = new SplittableRandom(2);
        long small = 0;
        for (int i = 0; i < 2000; i++) {
            if (dev.blobsync.engine.upload.Backoff.delay(s, 3, r).compareTo(Duration.ofSeconds(1)) < 0) {
                small++;
            }
        }
        assertThat(small).as("full jitter: about a quarter of 4 s delays fall under 1 s").isBetween(350L, 650L);
    }

    @Test
    void linearAndFixedGrowAsNamed() {
        RetryStrategy linear = new RetryStrategy(5, Backoff.LINEAR, Duration.ofSeconds(1), Duration.ofSeconds(10));
        assertThat(max(linear, 3)).isLessThanOrEqualTo(Duration.ofSeconds(3)).isGreaterThan(Duration.ofMillis(2700));
        RetryStrategy fixed = new RetryStrategy(5, Backoff.FIXED, Duration.ofSeconds(2), Duration.ofSeconds(10));
        assertThat(max(fixed, 9)).isLessThanOrEqualTo(Duration.ofSeconds(2)).isGreaterThan(Duration.ofMillis(1800));
    }
}

package dev.blobsync.engine.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LogLimiterTest {
    private final AtomicLong now = new AtomicLong();
    private final LogLimiter limiter = new LogLimiter(3, Duration.ofMinutes(1), 100, now::get);

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void aRepeatingMessagePassesThreeTimesThenOnceAMinuteSayingHowManyWereHeldBack() {
        int passed = 0;
        for (int i = 0; i < 5000; i++) {
            if (limiter.admit("upload abc") != null) {
                passed++;
            }
        }
        assertThat(passed).isEqualTo(3);
        advance(Duration.ofSeconds(59));
        assertThat(limiter.admit("upload abc")).isNull();
        advance(Duration.ofSeconds(2));
        assertThat(limiter.admit("upload abc")).isEqualTo(" (4998 more like this were not logged)");
        assertThat(limiter.admit("upload abc")).isNull();
    }

    @Test
    void otherMessagesPassWhileOneIsHeldBackButAllTogetherStayBounded() {
        for (int i = 0; i < 10; i++) {
            limiter.admit("a");
        }
        assertThat(limiter.admit("b")).isEqualTo("");
        int passed = 0;
        for (int i = 0; i < 10_000; i++) {
            if (limiter.admit("key " + i) != null) {
                passed++;
            }
        }
        assertThat(passed).as("at most 100 lines a minute in all").isEqualTo(100 - 4);
        advance(Duration.ofMinutes(1));
        assertThat(limiter.admit("fresh")).isEqualTo("");
    }
}

package dev.blobsync.engine.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.blobsync.engine.spi.Hlc;
import dev.blobsync.engine.testing.ManualTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HybridClockTest {
    private static final Instant TEN = Instant.parse("2026-07-04T10:00:00Z");

    @Test
    void clocksFollowTheWallClockAndOrderWritesWithinOneMillisecond() {
        ManualTime wall = new ManualTime(TEN);
        HybridClock c = new HybridClock("laptop", wall);
        Hlc a = c.tick();
        Hlc b = c.tick();
        assertThat(a).isEqualTo(new Hlc(TEN.toEpochMilli(), 0, "laptop"));
        assertThat(b).isEqualTo(new Hlc(TEN.toEpochMilli(), 1, "laptop"));
        wall.advance(Duration.ofMillis(5));
        assertThat(c.tick()).isEqualTo(new Hlc(TEN.toEpochMilli() + 5, 0, "laptop"));
    }

    @Test
    void aWallClockThatGoesBackNeverMakesAnEarlierClock() {
        ManualTime wall = new ManualTime(TEN);
        HybridClock c = new HybridClock("laptop", wall);
        Hlc before = c.tick();
        HybridClock restarted = new HybridClock("laptop", new ManualTime(TEN.minus(Duration.ofHours(3))));
        restarted.restore(before);
        assertThat(restarted.tick()).isGreaterThan(before);
    }

    @Test
    void aWriteAfterSeeingAClockAheadOfTheWallClockIsStampedAfterIt() {
        HybridClock slow = new HybridClock("slow", new ManualTime(TEN));
        Hlc fromTheFuture = new Hlc(TEN.plus(Duration.ofMinutes(10)).toEpochMilli(), 7, "fast");
        slow.observe(fromTheFuture);
        Hlc next = slow.tick();
        assertThat(next).isGreaterThan(fromTheFuture);
        assertThat(next.device()).isEqualTo("slow");
    }

    @Test
    void theCounterRollsIntoTheNextMillisecond() {
        HybridClock c = new HybridClock("d", new ManualTime(TEN));
        List<Hlc> all = new ArrayList<>();
        for (int i = 0; i <= Hlc.MAX_COUNTER + 2; i++) {
            all.add(c.tick());
        }
        assertThat(all).isSorted().doesNotHaveDuplicates();
        assertThat(all.get(all.size() - 1).wallMillis()).isEqualTo(TEN.toEpochMilli() + 1);
    }

    @Test
    void theTextFormSortsLikeTheClocksAndReadsBack() {
        Hlc a = new Hlc(9, 65535, "zeta");
        Hlc b = new Hlc(10, 0, "alpha");
        Hlc c = new Hlc(10, 0, "beta");
        assertThat(a.encode().compareTo(b.encode())).isNegative();
        assertThat(b.encode().compareTo(c.encode())).isNegative();
        assertThat(Hlc.parse(c.encode())).isEqualTo(c);
        assertThat(Hlc.parse(new Hlc(1L << 40, 3, "dev-ice_1").encode())).isEqualTo(new Hlc(1L << 40, 3, "dev-ice_1"));
        assertThatThrownBy(() -> Hlc.parse("yesterday")).isInstanceOf(IllegalArgumentException.class);
    }
}

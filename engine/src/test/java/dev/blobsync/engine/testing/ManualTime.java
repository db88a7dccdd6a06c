package dev.blobsync.engine.testing;

import dev.blobsync.engine.live.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A clock and a scheduler that move only when a test says so: {@link #advance} moves the time
 * and runs, on the caller's thread, every task that has come due.
 */
public final class ManualTime extends Clock implements Scheduler {
    private record Entry(Instant at, long order, Runnable task, boolean[] cancelled) {
    }

    private final Instant start;
    private final PriorityQueue<Entry> tasks = new PriorityQueue<>(
            Comparator.comparing(Entry::at).thenComparingLong(Entry::order));
    private Instant now;
    private long order;

    public ManualTime(Instant start) {
        this.start = start;
        this.now = start;
    }

    /** Nanoseconds since the start, moving with {@link #instant()}: a Caffeine {@code Ticker} is {@code time::nanoTime}. */
    public synchronized long nanoTime() {
        return java.time.Duration.between(start, now).toNanos();
    }

    @Override
    public synchronized Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    /** Moves the time on and runs what came due, in order. */
    public void advance(Duration d) {
        List<Runnable> due = new ArrayList<>();
        synchronized (this) {
            now = now.plus(d);
            while (!tasks.isEmpty() && !tasks.peek().at().isAfter(now)) {
                Entry e = tasks.poll();
                if (!e.cancelled()[0]) {
                    due.add(e.task());
                }
            }
        }
        due.forEach(Runnable::run);
    }

    /** When the earliest task still scheduled is due, or null. */
    public synchronized Instant nextDue() {
        tasks.removeIf(e -> e.cancelled()[0]);
        return tasks.isEmpty() ? null : tasks.peek().at();
    }

    @Override
    public synchronized Task schedule(Duration delay, Runnable task) {
        boolean[] cancelled = {false};
        tasks.add(new Entry(now.plus(delay.isNegative() ? Duration.ZERO : delay), order++, task, cancelled));
        return () -> {
            synchronized (ManualTime.this) {
                cancelled[0] = true;
            }
        };
    }

    @Override
    public void close() {
        synchronized (this) {
            tasks.clear();
        }
    }
}

package dev.blobsync.engine.internal;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Keeps a repeating log message from filling a disk: per key, the first {@link #burst} messages
 * pass, then one per {@code period}; across all keys at most {@code globalPerPeriod} pass per
 * period. A message that passes after others were held back says how many. Internal to blobsync
 * (the filesystem uses it too).
 *
 * <pre>{@code
 * String more = LIMIT.admit("upload " + sha);
 * if (more != null) LOG.warn("Upload of blob {} failed: {}{}", sha, why, more);
 * }</pre>
 *
 * <p>Time comes from an injected clock, so tests advance it by hand. Thread-safe.
 */
public final class LogLimiter {
    private static final int MAX_KEYS = 1000;

    private final int burst;
    private final long periodNanos;
    private final int globalPerPeriod;
    private final LongSupplier nanoTime;
    // guarded by this; access order, so the key used least recently is forgotten first
    private final Map<String, Window> windows = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Window> eldest) {
            return size() > MAX_KEYS;
        }
    };
    private final Window global = new Window(0); // guarded by this

    /** How many messages of one key passed and were held back in its current period. */
    private static final class Window {
        long start;
        int passed;
        long held;

        Window(long start) {
            this.start = start;
        }
    }

    public LogLimiter(int burst, Duration period, int globalPerPeriod, LongSupplier nanoTime) {
        this.burst = burst;
        this.periodNanos = period.toNanos();
        this.globalPerPeriod = globalPerPeriod;
        this.nanoTime = nanoTime;
    }

    /** Three per key, then one a minute; at most 100 lines a minute in all; real time. */
    public static LogLimiter standard() {
        return new LogLimiter(3, Duration.ofMinutes(1), 100, System::nanoTime);
    }

    /**
     * Whether a message of {@code key} may be logged now: {@code null} when it is held back, else
     * a suffix to append to it (empty, or how many like it were held back since the last one).
     */
    public synchronized String admit(String key) {
        long now = nanoTime.getAsLong();
        Window w = windows.computeIfAbsent(key, k -> new Window(now));
        if (now - w.start >= periodNanos) {
            // A new period: one more passes, as does the count of what was held back.
            w.start = now;
            w.passed = Math.min(w.passed, burst - 1);
        }
        if (now - global.start >= periodNanos) {
            global.start = now;
            global.passed = 0;
        }
        if (w.passed >= burst || global.passed >= globalPerPeriod) {
            w.held++;
            return null;
        }
        w.passed++;
        global.passed++;
        long held = w.held;
        w.held = 0;
        return held == 0 ? "" : " (" + held + " more like this were not logged)";
    }
}

package dev.blobsync.engine.sync;

import dev.blobsync.engine.spi.Hlc;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This device's hybrid logical clock: every local write gets a clock later than every clock this
 * device has issued or seen, and as close to the wall clock as that allows.
 *
 * <p>{@link #tick()} takes the later of the wall clock and the last clock, adding one to the
 * counter when the wall clock has not moved past it; {@link #observe} is called with the clocks
 * of every record pulled or acknowledged, so a device whose wall clock runs behind still
 * stamps its next write after what it has seen (clock skew cannot make a write lose to one it
 * has already seen). The last clock is persisted by the caller with each write and handed to
 * {@link #restore} at start, so clocks stay increasing across restarts even when the wall clock
 * went back.
 *
 * <p>Thread-safe; {@code this} guards {@link #last}.
 */
public final class HybridClock {
    private static final Logger LOG = LoggerFactory.getLogger(HybridClock.class);
    private static final Duration SKEW_WARNING = Duration.ofHours(1);

    private final String device;
    private final Clock wall;
    private Hlc last; // guarded by this
    private boolean warned; // guarded by this

    public HybridClock(String device, Clock wall) {
        if (device.isEmpty()) {
            throw new IllegalArgumentException("a device id is needed");
        }
        this.device = device;
        this.wall = wall;
        this.last = Hlc.ZERO;
    }

    public String device() {
        return device;
    }

    /** A new clock for a local write, later than every clock issued or observed before. */
    public synchronized Hlc tick() {
        long now = wall.millis();
        if (now > last.wallMillis()) {
            last = new Hlc(now, 0, device);
        } else if (last.counter() < Hlc.MAX_COUNTER) {
            last = new Hlc(last.wallMillis(), last.counter() + 1, device);
        } else {
            last = new Hlc(last.wallMillis() + 1, 0, device);
        }
        return last;
    }

    /** Takes note of a clock seen on another device's write. */
    public synchronized void observe(Hlc seen) {
        if (!seen.after(last)) {
            return;
        }
        long ahead = seen.wallMillis() - wall.millis();
        if (ahead > SKEW_WARNING.toMillis() && !warned) {
            warned = true;
            LOG.warn("Device {} wrote with a clock {} min ahead of this one; this device's writes follow it."
                    + " Check the system time of both.", seen.device(), ahead / 60_000);
        }
        last = new Hlc(seen.wallMillis(), seen.counter(), device);
    }

    /** Starts from a clock persisted earlier (never goes back). */
    public synchronized void restore(Hlc persisted) {
        if (persisted.after(last)) {
            last = new Hlc(persisted.wallMillis(), persisted.counter(), device);
        }
    }

    /** The last clock issued or observed. */
    public synchronized Hlc last() {
        return last;
    }
}

package dev.blobsync.engine.spi;

import java.util.Comparator;
import java.util.Objects;

/**
 * A hybrid logical clock timestamp: the wall-clock milliseconds of the device that wrote, a
 * logical counter that orders writes within one millisecond (and writes made after seeing a
 * clock ahead of the local one), and the writing device's id, which breaks ties so that every
 * device orders two writes the same way.
 *
 * <p>Each field of a record carries the clock of its last write ({@link RemoteRecord#clocks()},
 * {@link Mutation#clocks()}); the record itself carries one under {@link #RECORD} for its last
 * delete or re-creation. Records written before clocks existed have none: their fields count as
 * {@link #ZERO}, older than any write.
 *
 * <p>The text form ({@link #encode()}) sorts like the clocks themselves (byte order), so
 * backends may compare it as text.
 *
 * @param wallMillis milliseconds since the epoch, as the writing device saw them
 * @param counter    0–65535, orders clocks with the same {@code wallMillis}
 * @param device     the writing device's id; empty only for {@link #ZERO}
 */
public record Hlc(long wallMillis, int counter, String device) implements Comparable<Hlc> {
    /** The clock of a value written without one: older than every real write. */
    public static final Hlc ZERO = new Hlc(0, 0, "");
    /** The key of the record-level clock (its last delete or re-creation) in a clock map. */
    public static final String RECORD = "$record";
    /** The largest counter; a clock that would pass it moves to the next millisecond instead. */
    public static final int MAX_COUNTER = 0xffff;

    private static final Comparator<Hlc> ORDER = Comparator.comparingLong(Hlc::wallMillis)
            .thenComparingInt(Hlc::counter).thenComparing(Hlc::device);

    public Hlc {
        Objects.requireNonNull(device, "device");
        if (wallMillis < 0 || wallMillis > 0xffff_ffff_ffffL) {
            throw new IllegalArgumentException("wall clock out of range: " + wallMillis);
        }
        if (counter < 0 || counter > MAX_COUNTER) {
            throw new IllegalArgumentException("counter out of range: " + counter);
        }
    }

    @Override
    public int compareTo(Hlc other) {
        return ORDER.compare(this, other);
    }

    /** True when this clock is later than {@code other}. */
    public boolean after(Hlc other) {
        return compareTo(other) > 0;
    }

    /** The later of two clocks. */
    public static Hlc max(Hlc a, Hlc b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** Text that sorts like the clock: 12 hex digits of milliseconds, 4 of counter, the device. */
    public String encode() {
        // By hand rather than String.format: a feed page encodes thousands of these.
        StringBuilder b = new StringBuilder(18 + device.length());
        hex(b, wallMillis, 12);
        b.append('.');
        hex(b, counter, 4);
        return b.append('.').append(device).toString();
    }

    private static void hex(StringBuilder b, long value, int digits) {
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
            b.append(Character.forDigit((int) ((value >>> shift) & 0xf), 16));
        }
    }

    /** Reads {@link #encode()}'s form; {@link IllegalArgumentException} when it is not one. */
    public static Hlc parse(String text) {
        if (text == null || text.length() < 18 || text.charAt(12) != '.' || text.charAt(17) != '.') {
            throw new IllegalArgumentException("not a clock: " + text);
        }
        try {
            return new Hlc(Long.parseLong(text.substring(0, 12), 16), Integer.parseInt(text.substring(13, 17), 16),
                    text.substring(18));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a clock: " + text, e);
        }
    }

    @Override
    public String toString() {
        return encode();
    }
}

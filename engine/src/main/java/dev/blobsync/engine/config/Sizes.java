package dev.blobsync.engine.config;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte sizes as people write them in configuration: {@code 1048576}, {@code 500MB},
 * {@code 1.5 GiB}. KB, MB, GB, TB are decimal (1000), KiB, MiB, GiB, TiB binary (1024).
 */
public final class Sizes {
    private static final Pattern SIZE =
            Pattern.compile("(\\d+(?:\\.\\d+)?|\\.\\d+)\\s*([A-Za-z]*)");
    private static final Map<String, Long> UNITS = Map.of(
            "", 1L, "b", 1L,
            "kb", 1_000L, "mb", 1_000_000L, "gb", 1_000_000_000L, "tb", 1_000_000_000_000L,
            "kib", 1L << 10, "mib", 1L << 20, "gib", 1L << 30, "tib", 1L << 40);
    private static final String[] FORMAT_UNITS = {"B", "KB", "MB", "GB", "TB"};
    private static final String HINT = "Use a byte count or a number with a unit, like 500MB or "
            + "2GiB (units: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB).";

    private Sizes() {
    }

    /**
     * The number of bytes {@code text} stands for; units are case-insensitive and may follow a
     * space. Fractions of a unit are rounded to the nearest byte.
     *
     * @throws IllegalArgumentException for negative, malformed or too large sizes
     */
    public static long parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("A size is missing. " + HINT);
        }
        String trimmed = text.strip();
        if (trimmed.startsWith("-")) {
            throw new IllegalArgumentException("'" + text + "' is negative; a size is 0 or more. "
                    + HINT);
        }
        Matcher m = SIZE.matcher(trimmed);
        Long unit = m.matches() ? UNITS.get(m.group(2).toLowerCase(Locale.ROOT)) : null;
        if (unit == null) {
            throw new IllegalArgumentException("'" + text + "' is not a size. " + HINT);
        }
        BigDecimal number = new BigDecimal(m.group(1));
        if (unit == 1L && number.stripTrailingZeros().scale() > 0) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number of bytes. "
                    + HINT);
        }
        BigDecimal bytes = number.multiply(BigDecimal.valueOf(unit))
                .setScale(0, RoundingMode.HALF_UP);
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("'" + text + "' is too large; the largest size is "
                    + Long.MAX_VALUE + " bytes.");
        }
        return bytes.longValueExact();
    }

    /**
     * {@code bytes} for people, in decimal units with at most one decimal: {@code 999 B},
     * {@code 1.5 GB}, {@code 2 GB}. The result parses back with {@link #parse} (rounded).
     */
    public static String format(long bytes) {
        BigDecimal value = BigDecimal.valueOf(bytes).abs();
        int unit = 0;
        BigDecimal thousand = BigDecimal.valueOf(1000);
        while (unit < FORMAT_UNITS.length - 1
                && value.setScale(1, RoundingMode.HALF_UP).compareTo(thousand) >= 0) {
            value = value.divide(thousand);
            unit++;
        }
        BigDecimal shown = value.setScale(unit == 0 ? 0 : 1, RoundingMode.HALF_UP)
                .stripTrailingZeros();
        return (bytes < 0 ? "-" : "") + shown.toPlainString() + " " + FORMAT_UNITS[unit];
    }
}

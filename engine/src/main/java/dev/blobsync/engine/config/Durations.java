package dev.blobsync.engine.config;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them in configuration: {@code 500ms}, {@code 2s}, {@code 1.5s},
 * {@code 5m}, {@code 1h}, {@code 1d}, or ISO-8601 such as {@code PT2S}.
 */
public final class Durations {
    private static final Pattern SHORT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)");
    private static final Map<String, Long> NANOS_PER_UNIT = Map.of(
            "ms", 1_000_000L,
            "s", 1_000_000_000L,
            "m", 60_000_000_000L,
            "h", 3_600_000_000_000L,
            "d", 86_400_000_000_000L);
    private static final String HINT = "Use a number with a unit, like 500ms, 2s, 5m, 1h or 1d, "
            + "or ISO-8601 like PT2S.";

    private Durations() {
    }

    /**
     * The duration {@code text} stands for; units are case-insensitive.
     *
     * @throws IllegalArgumentException for negative, malformed or too large durations
     */
    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("A duration is missing. " + HINT);
        }
        String trimmed = text.strip();
        if (trimmed.startsWith("-")) {
            throw new IllegalArgumentException("'" + text + "' is negative. " + HINT);
        }
        if (trimmed.regionMatches(true, 0, "P", 0, 1)) {
            try {
                Duration iso = Duration.parse(trimmed);
                if (iso.isNegative()) {
                    throw new IllegalArgumentException("'" + text + "' is negative. " + HINT);
                }
                return iso;
            } catch (DateTimeParseException malformed) {
                throw new IllegalArgumentException("'" + text + "' is not a duration. " + HINT);
            }
        }
        Matcher m = SHORT.matcher(trimmed.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration. " + HINT);
        }
        try {
            long nanos = new BigDecimal(m.group(1))
                    .multiply(BigDecimal.valueOf(NANOS_PER_UNIT.get(m.group(2))))
                    .setScale(0, RoundingMode.HALF_UP)
                    .longValueExact();
            return Duration.ofNanos(nanos);
        } catch (ArithmeticException tooLarge) {
            throw new IllegalArgumentException("'" + text + "' is too long a duration.");
        }
    }
}

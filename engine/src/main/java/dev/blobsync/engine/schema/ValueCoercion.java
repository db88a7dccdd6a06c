package dev.blobsync.engine.schema;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.InvalidException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Turns a raw (JSON-like) or typed value into the Java type of a field, strictly: a number is
 * never taken for a string, nor a string for a number. Errors are {@link InvalidException}s
 * written for the user.
 */
final class ValueCoercion {
    private static final Pattern UUID_TEXT = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern MIME_TYPE = Pattern.compile("[^/\\s]+/[^/\\s]+");
    private static final Set<String> BLOB_KEYS = Set.of("sha256", "size", "type", "name", "chunks");
    private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);
    private static final int MAX_SHOWN_CHARS = 60;

    private ValueCoercion() {
    }

    static Object coerce(String table, FieldSchema field, Object raw) {
        if (raw == null) {
            return null;
        }
        String subject = "Field '" + field.name() + "' of table '" + table + "'";
        return switch (field.type()) {
            case UUID -> toUuid(subject, field, raw);
            case STRING -> {
                if (raw instanceof String s) {
                    yield s;
                }
                throw mismatch(subject, field, "must be a string", raw);
            }
            case INT -> toLong(subject, field, raw);
            case FLOAT -> toDouble(subject, field, raw);
            case BOOL -> {
                if (raw instanceof Boolean b) {
                    yield b;
                }
                throw mismatch(subject, field, "must be true or false", raw);
            }
            case DATETIME -> toInstant(subject, field, raw);
            case JSON -> toJsonValue(subject, field, raw);
            case BLOB -> toBlob(subject, field, raw);
        };
    }

    /** The value as a user would recognise it: {@code the number 42}, {@code "yesterday"}. */
    static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String s) {
            String shown = s.length() > MAX_SHOWN_CHARS ? s.substring(0, MAX_SHOWN_CHARS) + "…" : s;
            return '"' + shown + '"';
        }
        if (value instanceof Number n) {
            return "the number " + n;
        }
        if (value instanceof Boolean b) {
            return "the boolean " + b;
        }
        if (value instanceof Map<?, ?>) {
            return "an object";
        }
        if (value instanceof List<?>) {
            return "a list";
        }
        if (value instanceof BlobRef) {
            return "a blob";
        }
        if (value instanceof UUID u) {
            return "the UUID " + u;
        }
        if (value instanceof Instant i) {
            return "the date-time " + i;
        }
        return "a value of type " + value.getClass().getSimpleName();
    }

    private static InvalidException mismatch(String subject, FieldSchema field, String expectation,
                                             Object raw) {
        return new InvalidException(field.name(),
                subject + " " + expectation + ", but got " + describe(raw) + ".");
    }

    private static UUID toUuid(String subject, FieldSchema field, Object raw) {
        if (raw instanceof UUID u) {
            return u;
        }
        if (raw instanceof String s && UUID_TEXT.matcher(s).matches()) {
            return UUID.fromString(s);
        }
        throw mismatch(subject, field, "must be a UUID like 9b2e7c1a-4f0e-4a8e-9d3c-2f1e6b7a8c90",
                raw);
    }

    private static Long toLong(String subject, FieldSchema field, Object raw) {
        String expectation = "must be a whole number";
        BigDecimal exact;
        if (raw instanceof Long || raw instanceof Integer || raw instanceof Short
                || raw instanceof Byte) {
            return ((Number) raw).longValue();
        } else if (raw instanceof BigInteger b) {
            exact = new BigDecimal(b);
        } else if (raw instanceof BigDecimal b) {
            exact = b;
        } else if (raw instanceof Double || raw instanceof Float) {
            double d = ((Number) raw).doubleValue();
            if (!Double.isFinite(d)) {
                throw mismatch(subject, field, expectation, raw);
            }
            exact = new BigDecimal(d);
        } else {
            throw mismatch(subject, field, expectation, raw);
        }
        if (exact.signum() != 0 && exact.stripTrailingZeros().scale() > 0) {
            throw mismatch(subject, field, expectation, raw);
        }
        if (exact.compareTo(LONG_MIN) < 0 || exact.compareTo(LONG_MAX) > 0) {
            throw mismatch(subject, field,
                    expectation + " between " + Long.MIN_VALUE + " and " + Long.MAX_VALUE, raw);
        }
        return exact.longValueExact();
    }

    private static Double toDouble(String subject, FieldSchema field, Object raw) {
        if (raw instanceof Long || raw instanceof Integer || raw instanceof Short
                || raw instanceof Byte || raw instanceof Double || raw instanceof Float
                || raw instanceof BigInteger || raw instanceof BigDecimal) {
            double d = ((Number) raw).doubleValue();
            if (Double.isFinite(d)) {
                return d;
            }
            throw mismatch(subject, field, "must be a finite number", raw);
        }
        throw mismatch(subject, field, "must be a number", raw);
    }

    private static Instant toInstant(String subject, FieldSchema field, Object raw) {
        if (raw instanceof Instant i) {
            return i;
        }
        if (raw instanceof OffsetDateTime o) {
            return o.toInstant();
        }
        if (raw instanceof ZonedDateTime z) {
            return z.toInstant();
        }
        if (raw instanceof String s) {
            Instant parsed = parseInstant(s);
            if (parsed != null) {
                return parsed;
            }
        }
        throw mismatch(subject, field, "must be a date-time like 2026-07-04T10:15:00Z", raw);
    }

    /**
     * ISO-8601 with an offset or {@code Z}; without a zone the time is taken as UTC, and a plain
     * date as midnight UTC. {@code null} when {@code s} is none of these.
     */
    static Instant parseInstant(String s) {
        try {
            return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException notWithOffset) {
            // try the forms without a zone below
        }
        try {
            return LocalDateTime.parse(s, DateTimeFormatter.ISO_LOCAL_DATE_TIME)
                    .toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException notLocal) {
            // try a plain date below
        }
        try {
            return LocalDate.parse(s, DateTimeFormatter.ISO_LOCAL_DATE)
                    .atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException notADate) {
            return null;
        }
    }

    private static Object toJsonValue(String subject, FieldSchema field, Object raw) {
        try {
            return copyJson(raw);
        } catch (IllegalArgumentException notJson) {
            throw new InvalidException(field.name(), subject
                    + " must be JSON (objects, lists, strings, numbers, true, false, null), but "
                    + notJson.getMessage() + ".");
        }
    }

    /** A deep copy with numbers widened to Long, Double, BigInteger or BigDecimal. */
    private static Object copyJson(Object value) {
        if (value == null || value instanceof String || value instanceof Boolean
                || value instanceof Long || value instanceof Double
                || value instanceof BigInteger || value instanceof BigDecimal) {
            return value;
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof Float f) {
            return f.doubleValue();
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    throw new IllegalArgumentException("it holds the key " + describe(e.getKey())
                            + ", and JSON keys are strings");
                }
                copy.put(key, copyJson(e.getValue()));
            }
            return copy;
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            for (Object item : list) {
                copy.add(copyJson(item));
            }
            return copy;
        }
        throw new IllegalArgumentException("it holds " + describe(value));
    }

    private static BlobRef toBlob(String subject, FieldSchema field, Object raw) {
        BlobRef ref;
        if (raw instanceof BlobRef b) {
            ref = b;
        } else if (raw instanceof Map<?, ?> map) {
            ref = blobFromMap(subject, field, map);
        } else {
            throw mismatch(subject, field,
                    "must be a blob reference {sha256, size, type, name}", raw);
        }
        if (!MIME_TYPE.matcher(FieldSchema.essence(ref.type())).matches()) {
            throw new InvalidException(field.name(), subject + " holds a blob of type "
                    + describe(ref.type()) + ", which is not a MIME type like image/jpeg.");
        }
        if (!field.acceptsMimeType(ref.type())) {
            throw new InvalidException(field.name(), subject + " accepts "
                    + String.join(", ", field.mimeTypes()) + ", not " + ref.type() + ".");
        }
        return ref;
    }

    private static BlobRef blobFromMap(String subject, FieldSchema field, Map<?, ?> map) {
        String problem = subject + " must be a blob reference {sha256, size, type, name}, but ";
        for (Object key : map.keySet()) {
            if (!BLOB_KEYS.contains(key)) {
                throw new InvalidException(field.name(), problem + "it has the unknown key "
                        + describe(key) + ". Accepted keys: sha256, size, type, name, chunks.");
            }
        }
        Object sha = map.get("sha256");
        if (!(sha instanceof String s) || !BlobRef.isSha256(s)) {
            throw new InvalidException(field.name(), problem + "'sha256' is "
                    + (sha == null ? "missing" : describe(sha) + ", not 64 lower-case hex digits")
                    + ".");
        }
        Object size = map.get("size");
        long bytes = -1;
        if (size instanceof Long || size instanceof Integer || size instanceof Short
                || size instanceof Byte) {
            bytes = ((Number) size).longValue();
        } else if (size instanceof BigInteger b && b.bitLength() < 64) {
            bytes = b.longValue();
        }
        if (bytes < 0) {
            throw new InvalidException(field.name(), problem + "'size' is "
                    + (size == null ? "missing" : describe(size) + ", not a byte count") + ".");
        }
        Object type = map.get("type");
        if (!(type instanceof String t)) {
            throw new InvalidException(field.name(), problem + "'type' is "
                    + (type == null ? "missing" : describe(type) + ", not a MIME type") + ".");
        }
        Object name = map.get("name");
        if (name != null && !(name instanceof String)) {
            throw new InvalidException(field.name(),
                    problem + "'name' is " + describe(name) + ", not a file name.");
        }
        Object chunks = map.get("chunks");
        if (chunks != null && !(chunks instanceof String c && BlobRef.isSha256(c))) {
            throw new InvalidException(field.name(),
                    problem + "'chunks' is " + describe(chunks) + ", not 64 lower-case hex digits.");
        }
        return new BlobRef(s, bytes, t, (String) name, (String) chunks);
    }
}

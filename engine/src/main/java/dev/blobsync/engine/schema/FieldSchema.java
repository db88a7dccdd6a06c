package dev.blobsync.engine.schema;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One field of a table, as declared in the schema.
 *
 * <p>{@code defaultValue} is already of the field's Java type (see {@link FieldType}), except
 * for the two generated defaults: the literal {@code "now"} for a datetime and {@code "random"}
 * for a uuid. Use {@link #defaultFor(Clock)} to get the value to store.
 *
 * @param name         the field name
 * @param type         the field type
 * @param optional     whether a complete record may leave the field out
 * @param mimeTypes    for a blob field, the accepted MIME types or patterns ({@code image/*},
 *                     {@code *}{@code /*}, {@code application/pdf}); empty accepts any
 * @param defaultValue the declared default, or {@code null}
 */
public record FieldSchema(String name, FieldType type, boolean optional, List<String> mimeTypes,
                          Object defaultValue) {

    /** The default of a datetime field that stands for the current time. */
    public static final String NOW = "now";
    /** The default of a uuid field that stands for a fresh random UUID. */
    public static final String RANDOM = "random";

    public FieldSchema {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        mimeTypes = mimeTypes == null ? List.of() : List.copyOf(mimeTypes);
    }

    /**
     * Whether a blob of MIME type {@code mime} may be stored in this field. Patterns are exact
     * types, {@code type/*} or {@code *}{@code /*}; case and parameters ({@code ;charset=…}) are
     * ignored. An empty {@link #mimeTypes()} list accepts any type.
     */
    public boolean acceptsMimeType(String mime) {
        if (mimeTypes.isEmpty()) {
            return true;
        }
        if (mime == null) {
            return false;
        }
        String actual = essence(mime);
        for (String pattern : mimeTypes) {
            String p = essence(pattern);
            if (p.equals("*/*") || p.equals("*") || p.equals(actual)) {
                return true;
            }
            if (p.endsWith("/*") && actual.startsWith(p.substring(0, p.length() - 1))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The value a new record gets when it does not set this field: the declared default, the
     * current time (truncated to milliseconds) for {@code now}, a random UUID for
     * {@code random}; {@code null} when the field has no default. A json default is copied, so
     * callers may change what they get.
     */
    public Object defaultFor(Clock clock) {
        if (defaultValue == null) {
            return null;
        }
        if (type == FieldType.DATETIME && NOW.equals(defaultValue)) {
            return clock.instant().truncatedTo(ChronoUnit.MILLIS);
        }
        if (type == FieldType.UUID && RANDOM.equals(defaultValue)) {
            return java.util.UUID.randomUUID();
        }
        if (type == FieldType.JSON) {
            return copyJson(defaultValue);
        }
        return defaultValue;
    }

    /** The MIME type without parameters, trimmed and lower-case. */
    static String essence(String mime) {
        int semicolon = mime.indexOf(';');
        String bare = semicolon >= 0 ? mime.substring(0, semicolon) : mime;
        return bare.trim().toLowerCase(Locale.ROOT);
    }

    private static Object copyJson(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put((String) k, copyJson(v)));
            return copy;
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            list.forEach(v -> copy.add(copyJson(v)));
            return copy;
        }
        return value;
    }
}

package dev.blobsync.engine.schema;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The type of a schema field, as written in the schema ({@code uuid}, {@code string}, …).
 *
 * <p>Each type has one Java representation in records: {@code uuid} is a {@link java.util.UUID},
 * {@code string} a {@link String}, {@code int} a {@link Long}, {@code float} a {@link Double},
 * {@code bool} a {@link Boolean}, {@code datetime} an {@link java.time.Instant}, {@code json}
 * plain maps, lists and scalars, and {@code blob} a {@link dev.blobsync.engine.BlobRef}.
 */
public enum FieldType {
    UUID,
    STRING,
    INT,
    FLOAT,
    BOOL,
    DATETIME,
    JSON,
    BLOB;

    /** The accepted names, in declaration order, comma separated: {@code uuid, string, …}. */
    static final String ACCEPTED_NAMES = Arrays.stream(values())
            .map(FieldType::typeName)
            .collect(Collectors.joining(", "));

    /**
     * The type written as {@code name} in a schema; case does not matter.
     *
     * @throws IllegalArgumentException for an unknown name; the message lists the accepted ones
     */
    public static FieldType fromName(String name) {
        if (name != null) {
            String wanted = name.trim().toLowerCase(Locale.ROOT);
            for (FieldType t : values()) {
                if (t.typeName().equals(wanted)) {
                    return t;
                }
            }
        }
        throw new IllegalArgumentException(
                "Unknown field type '" + name + "'. Accepted types: " + ACCEPTED_NAMES + ".");
    }

    /** The name used in schemas: {@code uuid}, {@code string}, {@code int}, … */
    public String typeName() {
        return name().toLowerCase(Locale.ROOT);
    }
}

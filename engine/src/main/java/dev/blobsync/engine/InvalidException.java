package dev.blobsync.engine;

/**
 * Input that the schema or the engine rejects. Nothing was changed (invariant 5).
 * {@link #field()} names the offending field when there is one.
 */
public final class InvalidException extends EngineException {
    private final String field;

    public InvalidException(String message) {
        this(null, message);
    }

    public InvalidException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The field the error is about, or {@code null}. */
    public String field() {
        return field;
    }
}

package dev.blobsync.engine.schema;

/**
 * A schema that cannot be used. The message names the offending key path and says what is
 * accepted there; {@link #keyPath()} gives the path alone, for example
 * {@code photos.image.mimeTypes}, or the empty string when the whole schema is at fault.
 */
public final class SchemaException extends RuntimeException {
    private final String keyPath;

    public SchemaException(String keyPath, String message) {
        super(message);
        this.keyPath = keyPath == null ? "" : keyPath;
    }

    /** Dot-separated path of the offending key, or {@code ""} for the schema as a whole. */
    public String keyPath() {
        return keyPath;
    }
}

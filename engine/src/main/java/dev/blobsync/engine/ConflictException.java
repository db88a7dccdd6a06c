package dev.blobsync.engine;

/** A change could not be applied because the record changed underneath it. */
public final class ConflictException extends EngineException {
    public ConflictException(String message) {
        super(message);
    }

    public ConflictException(String message, Throwable cause) {
        super(message, cause);
    }
}

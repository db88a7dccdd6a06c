package dev.blobsync.engine;

/** A table, record, field or blob that does not exist. */
public final class NotFoundException extends EngineException {
    public NotFoundException(String message) {
        super(message);
    }

    public NotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}

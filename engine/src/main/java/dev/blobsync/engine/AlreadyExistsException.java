package dev.blobsync.engine;

/** Something with that id or name exists already. */
public final class AlreadyExistsException extends EngineException {
    public AlreadyExistsException(String message) {
        super(message);
    }

    public AlreadyExistsException(String message, Throwable cause) {
        super(message, cause);
    }
}

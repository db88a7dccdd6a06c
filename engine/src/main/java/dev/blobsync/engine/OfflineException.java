package dev.blobsync.engine;

/** A provider could not be reached and the answer is not available locally. */
public final class OfflineException extends EngineException {
    public OfflineException(String message) {
        super(message);
    }

    public OfflineException(String message, Throwable cause) {
        super(message, cause);
    }
}

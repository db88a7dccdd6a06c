package dev.blobsync.engine;

/** A local limit (cache size, queue size, free disk) would be exceeded. */
public final class QuotaExceededException extends EngineException {
    public QuotaExceededException(String message) {
        super(message);
    }

    public QuotaExceededException(String message, Throwable cause) {
        super(message, cause);
    }
}

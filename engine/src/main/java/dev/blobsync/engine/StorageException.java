package dev.blobsync.engine;

/** Reading or writing local or remote storage failed. */
public final class StorageException extends EngineException {
    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}

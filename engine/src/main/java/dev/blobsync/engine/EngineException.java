package dev.blobsync.engine;

/**
 * The engine's one error vocabulary. Every message is written for the person who will read it:
 * what went wrong, which record, field or file, and what to do. The filesystem maps each
 * subtype to one errno.
 */
public abstract sealed class EngineException extends RuntimeException
        permits NotFoundException, AlreadyExistsException, InvalidException, QuotaExceededException,
        ConflictException, OfflineException, StorageException {

    protected EngineException(String message) {
        super(message);
    }

    protected EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}

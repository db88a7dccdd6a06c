package dev.blobsync.engine.spi;

/**
 * A provider call failed. {@link #retryable()} says whether trying again later can help
 * (network, timeout, busy) or not (bad credentials, missing bucket, corrupt data).
 */
public class ProviderException extends Exception {
    private final boolean retryable;

    public ProviderException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public ProviderException(String message, boolean retryable) {
        this(message, retryable, null);
    }

    public boolean retryable() {
        return retryable;
    }
}

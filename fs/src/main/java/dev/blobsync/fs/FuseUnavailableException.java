package dev.blobsync.fs;

/**
 * FUSE cannot be used on this machine: {@code /dev/fuse}, {@code libfuse.so.2} or
 * {@code fusermount} is missing. The message names what is missing and how to install it.
 */
public final class FuseUnavailableException extends RuntimeException {
    public FuseUnavailableException(String message) {
        super(message);
    }
}

package dev.blobsync.fs;

/**
 * A filesystem-level refusal with its errno. With a reason it is the user's business (logged
 * and kept for {@code user.blobsync.error}); without one it is routine (a lookup of a name that
 * does not exist) and stays silent.
 */
final class FsException extends RuntimeException {
    private final int errno;

    FsException(int errno, String reason) {
        super(reason, null, false, false);
        this.errno = errno;
    }

    /** A routine answer such as ENOENT for a probe: no log line, no recorded reason. */
    static FsException quiet(int errno) {
        return new FsException(errno, null);
    }

    static FsException notFound() {
        return quiet(Errnos.ENOENT);
    }

    int errno() {
        return errno;
    }

    /** The reason in words, or null for a routine answer. */
    String reason() {
        return getMessage();
    }
}

package dev.blobsync.fs;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link BlobsyncFs} mounts.
 *
 * <p>The kernel caches attributes and names for the given timeouts, so remote changes show up
 * at most that late; keep them short (the defaults are one second).
 *
 * @param singleThreaded run libfuse's single-threaded loop ({@code -s}) instead of the default
 *                       multithreaded one
 * @param attrTimeout    how long the kernel may cache a file's attributes
 * @param entryTimeout   how long the kernel may cache a name lookup
 * @param debug          let libfuse print every request ({@code -d})
 */
public record FsOptions(boolean singleThreaded, Duration attrTimeout, Duration entryTimeout, boolean debug) {

    public FsOptions {
        Objects.requireNonNull(attrTimeout, "attrTimeout");
        Objects.requireNonNull(entryTimeout, "entryTimeout");
        if (attrTimeout.isNegative() || entryTimeout.isNegative()) {
            throw new IllegalArgumentException("timeouts must not be negative: attr " + attrTimeout
                    + ", entry " + entryTimeout);
        }
    }

    /** Multithreaded, one-second timeouts, no debug output. */
    public static FsOptions defaults() {
        return new FsOptions(false, Duration.ofSeconds(1), Duration.ofSeconds(1), false);
    }
}

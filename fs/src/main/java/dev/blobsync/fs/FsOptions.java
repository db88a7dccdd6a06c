package dev.blobsync.fs;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How {@link BlobsyncFs} mounts.
 *
 * <p>The kernel caches attributes and names for the given timeouts, so remote changes show up
 * at most that late; keep them short (the defaults are one second). Directory listings are not
 * cached by the kernel at all, so {@code ls} shows a remote change as soon as the live query
 * behind the folder has delivered it. There is no way to invalidate the kernel's cache when a
 * change arrives: jnr-fuse 0.5.7 binds only the high-level libfuse API (no
 * {@code fuse_lowlevel_notify_inval_entry}/{@code _inode}, which need the channel and the
 * kernel's node ids that the high-level API keeps to itself), and libfuse 2.9's high-level
 * {@code fuse_invalidate} is a stub that returns {@code -EINVAL}. Short timeouts are the
 * remaining tool.
 *
 * @param singleThreaded run libfuse's single-threaded loop ({@code -s}) instead of the default
 *                       multithreaded one
 * @param attrTimeout    how long the kernel may cache a file's attributes
 * @param entryTimeout   how long the kernel may cache a name lookup
 * @param debug          let libfuse print every request ({@code -d})
 * @param firstListingWait how long a listing of a table folder waits, on a cache that has never
 *                       caught up with the data provider, for the first pull to catch up (it
 *                       stops waiting at once when the provider is unreachable); after that it
 *                       shows what it has, and the folder says {@code loading}
 */
public record FsOptions(boolean singleThreaded, Duration attrTimeout, Duration entryTimeout, boolean debug,
                        Duration firstListingWait) {

    /** The default {@link #firstListingWait}. */
    public static final Duration FIRST_LISTING_WAIT = Duration.ofSeconds(30);

    public FsOptions {
        Objects.requireNonNull(attrTimeout, "attrTimeout");
        Objects.requireNonNull(entryTimeout, "entryTimeout");
        Objects.requireNonNull(firstListingWait, "firstListingWait");
        if (attrTimeout.isNegative() || entryTimeout.isNegative() || firstListingWait.isNegative()) {
            throw new IllegalArgumentException("timeouts must not be negative: attr " + attrTimeout
                    + ", entry " + entryTimeout + ", first listing " + firstListingWait);
        }
    }

    /** With the default {@link #FIRST_LISTING_WAIT}. */
    public FsOptions(boolean singleThreaded, Duration attrTimeout, Duration entryTimeout, boolean debug) {
        this(singleThreaded, attrTimeout, entryTimeout, debug, FIRST_LISTING_WAIT);
    }

    /** Multithreaded, one-second timeouts, no debug output, 30 s for a first listing. */
    public static FsOptions defaults() {
        return new FsOptions(false, Duration.ofSeconds(1), Duration.ofSeconds(1), false);
    }

    public FsOptions withFirstListingWait(Duration wait) {
        return new FsOptions(singleThreaded, attrTimeout, entryTimeout, debug, wait);
    }

    /**
     * The libfuse arguments: big_writes always (128 KiB writes instead of 4 KiB), our own
     * fsname/subtype, the timeouts, no negative caching (a name created remotely shows at once),
     * and auto_unmount so a killed process leaves no dead mount behind.
     */
    String[] fuseArgs() {
        List<String> args = new ArrayList<>();
        args.add("-o");
        args.add("big_writes,fsname=blobsync,subtype=blobsync"
                + ",attr_timeout=" + seconds(attrTimeout)
                + ",entry_timeout=" + seconds(entryTimeout)
                + ",negative_timeout=0,auto_unmount");
        if (singleThreaded) {
            args.add("-s");
        }
        return args.toArray(String[]::new);
    }

    private static String seconds(Duration d) {
        return BigDecimal.valueOf(d.toNanos(), 9).stripTrailingZeros().toPlainString();
    }
}

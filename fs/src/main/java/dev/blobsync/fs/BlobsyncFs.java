package dev.blobsync.fs;

import com.kenai.jffi.MemoryIO;
import dev.blobsync.engine.SyncEngine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import dev.blobsync.engine.CacheStats;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The blobsync drive: tables as folders, records as sub-folders holding {@code meta.json} and
 * one file per blob field, local scratch files beside them, and {@code .blobsync/status.json}.
 * Every desktop program becomes a client of the {@link SyncEngine} behind it.
 *
 * <p>Mount with {@link #mount(Path)} (returns once the kernel shows the mount) and always call
 * {@link #unmount()}, which first saves files still open. One instance serves one mount at a
 * time; the engine stays owned by the caller.
 *
 * <p>Each callback resolves the path, calls {@link FsOps}, and turns any failure into an errno
 * through the one {@link ErrnoMapper}; nothing is thrown into native code.
 *
 * <p>The folders follow the engine through one live query per table ({@link IndexFeed}),
 * delivered on a refresh thread of the filesystem's own; callbacks only read the in-memory
 * indexes. Remote changes reach the kernel within the attribute and entry timeouts of
 * {@link FsOptions} (it explains why there is no invalidation).
 *
 * <p>Lock order: a {@link ContentFile}'s monitor, then a {@link TableIndex}'s monitor, then the
 * engine's own locks. {@link OpenFiles} and {@link ErrorNotes} guard only their maps and are
 * never held while another lock is taken.
 */
public final class BlobsyncFs extends FuseStubFS {
    private static final Logger log = LoggerFactory.getLogger(BlobsyncFs.class);
    private static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration UNMOUNT_TIMEOUT = Duration.ofSeconds(15);
    private static final long UTIME_NOW = (1L << 30) - 1;
    private static final long UTIME_OMIT = (1L << 30) - 2;

    private final SyncEngine engine;
    private final FsOptions options;
    private final Map<String, TableIndex> tables = new LinkedHashMap<>();
    private final ErrorNotes notes = new ErrorNotes();
    private final ErrnoMapper errors = new ErrnoMapper(notes);
    private final FsOps ops;
    private final FirstPull firstPull;
    private final List<IndexFeed> feeds = new ArrayList<>();

    // guarded by this (mount and unmount)
    private Path mounted;
    private Thread fuseThread;
    private ExecutorService refresher;
    private volatile int uid;
    private volatile int gid;

    public BlobsyncFs(SyncEngine engine, FsOptions options) {
        this.engine = engine;
        this.options = options;
        for (String name : engine.schema().tables().keySet()) {
            // Beside the record folders' scratch files; ".names" is no record id and no file name in the mount.
            Path names = engine.scratchDirectory().resolve(name).resolve(".names");
            tables.put(name, new TableIndex(engine.table(name), names));
        }
        this.firstPull = new FirstPull(engine, tables.values(), options.firstListingWait());
        this.ops = new FsOps(engine, tables, notes, firstPull);
    }

    /**
     * Throws {@link FuseUnavailableException} naming what is missing ({@code /dev/fuse},
     * {@code libfuse.so.2}, {@code fusermount}) and how to install it.
     */
    public static void checkFuseAvailable() {
        List<String> missing = Mounts.missingFuseParts();
        if (!missing.isEmpty()) {
            throw new FuseUnavailableException(unavailableMessage(missing));
        }
    }

    static String unavailableMessage(List<String> missing) {
        return "FUSE cannot be used on this machine: missing " + String.join(", ", missing)
                + ". Install it with: sudo apt-get install fuse libfuse2"
                + " (Ubuntu 22.04 and later ship without libfuse2; on 24.04 the package is libfuse2t64).";
    }

    /** Mounts at {@code mountPoint} and returns once the mount shows in /proc/mounts. */
    public synchronized void mount(Path mountPoint) {
        checkFuseAvailable();
        Path mnt = mountPoint.toAbsolutePath().normalize();
        if (mounted != null) {
            throw new IllegalStateException("this filesystem is already mounted at " + mounted);
        }
        if (!Files.isDirectory(mnt)) {
            throw new IllegalArgumentException("cannot mount at " + mnt + ": not a folder");
        }
        if (Mounts.isMounted(mnt)) {
            throw new IllegalStateException("cannot mount at " + mnt + ": something is mounted there already"
                    + " (unmount it with: fusermount -u " + mnt + ")");
        }
        try {
            uid = (Integer) Files.getAttribute(mnt, "unix:uid");
            gid = (Integer) Files.getAttribute(mnt, "unix:gid");
        } catch (IOException | UnsupportedOperationException e) {
            uid = 0;
            gid = 0;
        }
        if (!StandardCharsets.UTF_8.equals(java.nio.charset.Charset.defaultCharset())) {
            // jnr-ffi decodes every path the kernel sends with the default charset.
            log.warn("the JVM's default charset is {}, so names that are not ASCII will be garbled;"
                    + " run Java with LANG=C.UTF-8 or -Dfile.encoding=UTF-8", java.nio.charset.Charset.defaultCharset());
        }
        startServing();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        String[] args = options.fuseArgs();
        // jnr-fuse's non-blocking mount always sleeps 2 s; blocking on our own thread and
        // watching /proc/mounts returns as soon as the kernel has the mount.
        fuseThread = new Thread(() -> {
            try {
                super.mount(mnt, true, options.debug(), args);
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "blobsync-fuse " + mnt);
        fuseThread.setDaemon(true);
        fuseThread.start();
        Thread serving = fuseThread;
        if (!Mounts.awaitMounted(mnt, true, MOUNT_TIMEOUT, serving::isAlive)) {
            boolean hung = serving.isAlive();
            if (hung) {
                Mounts.fusermount(mnt, true);
            }
            stopServing();
            Throwable cause = failure.get();
            throw new IllegalStateException("mounting blobsync at " + mnt + " failed"
                    + (cause != null ? ": " + cause.getMessage() : hung
                    ? ": it did not appear in /proc/mounts within " + MOUNT_TIMEOUT.toSeconds() + " s"
                    : ": libfuse gave up (mount with debug on to see why)"), cause);
        }
        mounted = mnt;
        log.info("mounted blobsync at {} with {}", mnt, String.join(" ", args));
    }

    /**
     * Saves every file still open, unmounts ({@code fusermount -u}, lazily when busy) and waits
     * until the mount is gone. Does nothing when not mounted.
     */
    public synchronized void unmount() {
        Path mnt = mounted;
        if (mnt == null) {
            return;
        }
        try {
            ops.commitAll();
        } catch (IOException | RuntimeException e) {
            log.warn("unmounting {}: a file still open could not be saved: {}", mnt, e.toString());
        }
        boolean lazy = false;
        if (Mounts.isMounted(mnt) && !Mounts.fusermount(mnt, false)) {
            log.info("{} is busy; unmounting lazily", mnt);
            lazy = Mounts.fusermount(mnt, true);
        }
        boolean gone = Mounts.awaitMounted(mnt, false, UNMOUNT_TIMEOUT, () -> true);
        try {
            // After a lazy unmount libfuse serves the descriptors still open until they close;
            // what they held is saved already, so there is no point waiting for them.
            fuseThread.join(lazy ? 200 : Duration.ofSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopServing();
        mounted = null;
        if (!gone) {
            throw new IllegalStateException("blobsync at " + mnt + " is still mounted; try: fusermount -u -z " + mnt);
        }
        log.info("unmounted blobsync from {}", mnt);
    }

    /**
     * Reads the tables and starts following them through one live query per table, delivered on
     * our own refresh thread; mount's first step, and the start of callback tests.
     */
    void startServing() {
        tables.values().forEach(TableIndex::load);
        refresher = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "blobsync-fs-refresh");
            t.setDaemon(true);
            return t;
        });
        for (TableIndex index : tables.values()) {
            IndexFeed feed = new IndexFeed(index);
            feeds.add(feed);
            index.table().query().includeBlobs().refreshUrls(false).publisher(refresher).subscribe(feed);
        }
        firstPull.start(refresher);
    }

    void stopServing() {
        // jnr-fuse's own shutdown hook would unmount whatever sits at this path at JVM exit.
        super.mounted.set(false);
        firstPull.stop();
        feeds.forEach(IndexFeed::cancel);
        feeds.clear();
        if (refresher != null) {
            refresher.shutdownNow();
        }
        ops.closeAll();
    }

    /** Tells {@code listener} of every refusal whose reason goes to {@code user.blobsync.error}. */
    public void onError(FsErrorListener listener) {
        notes.listener(listener);
    }

    /**
     * Sets the priority of a table folder, record folder or blob file, as
     * {@code setfattr -n user.blobsync.priority} on it does ({@code null} clears it, as
     * {@code setfattr -x}); {@code path} is inside the mount, e.g. {@code /photos/2026-07-04 Beach}.
     *
     * @throws RuntimeException with the reason in words when the path is not there or the pin cannot fit
     */
    public void setPriority(String path, dev.blobsync.engine.Priority priority) {
        try {
            ops.setXattr(path, Xattrs.PRIORITY, priority == null ? null : priority.label());
        } catch (FsException e) {
            throw new IllegalArgumentException(e.reason() != null ? e.reason()
                    : "Nothing in the mount at " + path + " takes a priority (a table folder, a record folder"
                    + " or a blob file does).", e);
        }
    }

    @Override
    protected String getFSName() {
        return "blobsync";
    }

    // ---- the one callback wrapper ---------------------------------------------------------

    @FunctionalInterface
    private interface FsCall {
        int run() throws Exception;
    }

    private int call(String op, String path, FsCall body) {
        try {
            return body.run();
        } catch (Throwable t) {
            return errors.toErrno(op, path, t);
        }
    }

    // ---- callbacks ----------------------------------------------------------------------------

    @Override
    public int getattr(String path, FileStat stat) {
        return call("getattr", path, () -> {
            FsOps.Attributes a = ops.attributes(path);
            stat.st_mode.set((a.directory() ? FileStat.S_IFDIR : FileStat.S_IFREG) | a.permissions());
            stat.st_nlink.set(a.directory() ? 2 : 1);
            stat.st_size.set(a.size());
            stat.st_blocks.set((a.size() + 511) / 512);
            stat.st_uid.set(uid);
            stat.st_gid.set(gid);
            setTime(stat.st_mtim, a.modified());
            setTime(stat.st_ctim, a.modified());
            setTime(stat.st_atim, a.modified());
            return 0;
        });
    }

    private static void setTime(Timespec t, Instant at) {
        t.tv_sec.set(at.getEpochSecond());
        t.tv_nsec.set(at.getNano());
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filter, @off_t long offset, FuseFileInfo fi) {
        return call("readdir", path, () -> {
            List<String> names = ops.list(path);
            filter.apply(buf, ".", null, 0);
            filter.apply(buf, "..", null, 0);
            for (String name : names) {
                // jnr's String overload encodes with the default charset; names are UTF-8.
                if (filter.apply(buf, ByteBuffer.wrap((name + '\0').getBytes(StandardCharsets.UTF_8)), null, 0) != 0) {
                    break;
                }
            }
            return 0;
        });
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        return call("open", path, () -> opened(fi, ops.open(path, fi.flags.get())));
    }

    @Override
    public int create(String path, @mode_t long mode, FuseFileInfo fi) {
        return call("create", path, () -> opened(fi, ops.create(path, (int) (mode & 07777), fi.flags.get())));
    }

    private static int opened(FuseFileInfo fi, FsOps.Opened o) {
        fi.fh.set(o.fh());
        // direct_io and keep_cache are bit fields in the word just before fh (libfuse 2.9).
        Pointer mem = Struct.getMemory(fi);
        long bitsAt = fi.fh.offset() - 4;
        int bits = mem.getInt(bitsAt);
        bits = o.directIo() ? bits | 1 : bits & ~1;
        bits = o.keepCache() ? bits | 2 : bits & ~2;
        mem.putInt(bitsAt, bits);
        return 0;
    }

    @Override
    public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        return call("read", path, () -> ops.read(fi.fh.get(), view(buf, size), offset));
    }

    @Override
    public int write(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        return call("write", path, () -> ops.write(fi.fh.get(), view(buf, size), offset));
    }

    /** The kernel's buffer as a ByteBuffer: reads land in it directly, without a copy. */
    private static ByteBuffer view(Pointer buf, long size) {
        return MemoryIO.getInstance().newDirectByteBuffer(buf.address(), (int) size);
    }

    @Override
    public int flush(String path, FuseFileInfo fi) {
        return call("flush", path, () -> {
            ops.flush(fi.fh.get(), path);
            return 0;
        });
    }

    @Override
    public int fsync(String path, int isdatasync, FuseFileInfo fi) {
        return call("fsync", path, () -> {
            ops.fsync(fi.fh.get(), path);
            return 0;
        });
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        return call("release", path, () -> {
            ops.release(fi.fh.get(), path);
            return 0;
        });
    }

    @Override
    public int truncate(String path, @off_t long size) {
        return call("truncate", path, () -> {
            ops.truncate(path, size);
            return 0;
        });
    }

    @Override
    public int ftruncate(String path, @off_t long size, FuseFileInfo fi) {
        return call("ftruncate", path, () -> {
            ops.ftruncate(fi.fh.get(), size);
            return 0;
        });
    }

    @Override
    public int unlink(String path) {
        return call("unlink", path, () -> {
            ops.unlink(path);
            return 0;
        });
    }

    @Override
    public int mkdir(String path, @mode_t long mode) {
        return call("mkdir", path, () -> {
            ops.mkdir(path, (int) (mode & 07777));
            return 0;
        });
    }

    @Override
    public int rmdir(String path) {
        return call("rmdir", path, () -> {
            ops.rmdir(path);
            return 0;
        });
    }

    @Override
    public int rename(String oldpath, String newpath) {
        return call("rename", oldpath, () -> {
            ops.rename(oldpath, newpath);
            return 0;
        });
    }

    @Override
    public int chmod(String path, @mode_t long mode) {
        return call("chmod", path, () -> {
            ops.chmod(path, (int) (mode & 07777));
            return 0;
        });
    }

    @Override
    public int chown(String path, long uid, long gid) {
        return call("chown", path, () -> {
            ops.attributes(path);
            return 0;
        });
    }

    @Override
    public int utimens(String path, Timespec[] timespec) {
        return call("utimens", path, () -> {
            long nsec = timespec[1].tv_nsec.longValue();
            if (nsec == UTIME_OMIT) {
                ops.attributes(path);
            } else {
                ops.utimens(path, nsec == UTIME_NOW ? Instant.now()
                        : Instant.ofEpochSecond(timespec[1].tv_sec.get(), nsec));
            }
            return 0;
        });
    }

    @Override
    public int statfs(String path, Statvfs st) {
        return call("statfs", path, () -> {
            // The cache quota is the drive's size: df shows how much the cache may still hold.
            FileStore store = Files.getFileStore(engine.scratchDirectory());
            CacheStats cache = engine.cache().stats();
            long block = 4096;
            long free = Math.min(cache.available(), store.getUsableSpace());
            st.f_bsize.set(block);
            st.f_frsize.set(block);
            st.f_blocks.set(cache.maxSize() / block);
            st.f_bfree.set(free / block);
            st.f_bavail.set(free / block);
            st.f_files.set(1_000_000);
            st.f_ffree.set(1_000_000);
            st.f_favail.set(1_000_000);
            st.f_namemax.set(Names.NAME_MAX);
            return 0;
        });
    }

    @Override
    public int getxattr(String path, String name, Pointer value, @size_t long size) {
        // The kernel asks for security.capability before every write: answer before any lookup.
        if (name.startsWith("security.") || name.startsWith("trusted.")) {
            return -Errnos.ENODATA;
        } else if (name.startsWith("system.")) {
            return -Errnos.EOPNOTSUPP;
        }
        return call("getxattr", path, () -> {
            String v = ops.xattr(path, name);
            return v == null ? -Errnos.ENODATA : copyOut(v.getBytes(StandardCharsets.UTF_8), value, size);
        });
    }

    @Override
    public int listxattr(String path, Pointer list, @size_t long size) {
        return call("listxattr", path, () -> {
            StringBuilder names = new StringBuilder();
            for (String name : ops.xattrNames(path)) {
                names.append(name).append('\0');
            }
            return copyOut(names.toString().getBytes(StandardCharsets.UTF_8), list, size);
        });
    }

    /** The xattr size protocol: 0 asks for the length, too small a buffer is ERANGE. */
    private static int copyOut(byte[] bytes, Pointer into, long size) {
        if (size == 0) {
            return bytes.length;
        } else if (size < bytes.length) {
            return -Errnos.ERANGE;
        }
        into.put(0, bytes, 0, bytes.length);
        return bytes.length;
    }

    @Override
    public int setxattr(String path, String name, Pointer value, @size_t long size, int flags) {
        if (name.startsWith("system.")) {
            // No ACLs: storing system.posix_acl_* would make ls show a '+' for nothing.
            return -Errnos.EOPNOTSUPP;
        }
        return call("setxattr", path, () -> {
            byte[] bytes = new byte[(int) Math.min(size, 4096)];
            value.get(0, bytes, 0, bytes.length);
            ops.setXattr(path, name, new String(bytes, StandardCharsets.UTF_8).trim());
            return 0;
        });
    }

    @Override
    public int removexattr(String path, String name) {
        if (!name.startsWith(Xattrs.PREFIX)) {
            return name.startsWith("system.") ? -Errnos.EOPNOTSUPP : -Errnos.ENODATA;
        }
        return call("removexattr", path, () -> {
            ops.setXattr(path, name, null);
            return 0;
        });
    }
}

package dev.blobsync.cli;

import dev.blobsync.engine.QueueStats;
import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.config.ConfigSecrets;
import dev.blobsync.engine.config.EngineConfig;
import dev.blobsync.engine.config.Sizes;
import dev.blobsync.engine.internal.LogLimiter;
import dev.blobsync.fs.BlobsyncFs;
import dev.blobsync.fs.FsOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import jnr.constants.platform.Errno;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code blobsync mount}: mounts a config's tables as a drive, in the foreground, until Ctrl-C,
 * SIGTERM, {@code blobsync unmount} or an external unmount. Stopping saves what is open before
 * unmounting. While it runs, refused saves are printed at once (and notified on a desktop), and
 * the mount is listed in the {@link MountRegistry} with its control socket.
 */
@Command(name = "mount", mixinStandardHelpOptions = true,
        description = "Mount the tables as a drive; runs in the foreground until Ctrl-C, SIGTERM or blobsync unmount.")
final class MountCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(MountCommand.class);
    /** The refusals a user must hear about at once: bad content, no room, too large. */
    private static final Set<Integer> REFUSALS = Set.of(Errno.EINVAL.intValue(), Errno.ENOSPC.intValue(),
            Errno.EFBIG.intValue());

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "CONFIG",
            description = "The config file. Default: ~/.config/blobsync/config.yaml, created on first use with"
                    + " the photos schema, hub and cache under ~/.local/share/blobsync.")
    Path config;

    @Option(names = "--single-threaded", description = "Serve FUSE requests on one thread.")
    boolean singleThreaded;

    @Option(names = "--fuse-debug", description = "Print every FUSE request (very verbose).")
    boolean fuseDebug;

    @Parameters(index = "0", paramLabel = "MOUNTPOINT", description = "An empty folder (created when missing).")
    Path mountPoint;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        BlobsyncFs.checkFuseAvailable();
        Path configFile = config != null ? config.toAbsolutePath().normalize() : defaultConfig(out);
        if (!Files.isRegularFile(configFile)) {
            throw new ParameterException(spec.commandLine(), "The config file " + configFile + " does not exist."
                    + " Write one with: blobsync init --hub DIR " + configFile);
        }
        Path mnt = prepareMountPoint(mountPoint.toAbsolutePath().normalize());
        EngineConfig cfg = ConfigLoader.load(configFile);
        Logs.toCacheFolder(cfg.cache().directory());
        ConfigSecrets.warning(cfg).ifPresent(w -> System.err.println("blobsync: warning: " + w));

        SyncEngine engine = SyncEngine.open(cfg);
        BlobsyncFs fs;
        try {
            fs = new BlobsyncFs(engine, new FsOptions(singleThreaded, Duration.ofSeconds(1), Duration.ofSeconds(1),
                    fuseDebug));
            fs.mount(mnt);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        Running running = new Running(fs, engine, mnt, new RecentErrors(cfg.cache().directory(), Clock.systemUTC()),
                DesktopNotifier.fromEnvironment(System.getenv(), Clock.systemUTC()));
        fs.onError(running::failed);
        try {
            running.control = ControlServer.start(cfg, new EngineControl(engine, running.recent::list, mnt.toString(),
                    false), running);
            running.registry.add(new MountRegistry.Entry(mnt.toString(), configFile.toString(),
                    running.control.socket().toString(), ProcessHandle.current().pid()));
        } catch (IOException | RuntimeException e) {
            running.stop(System.err::println);
            throw e;
        }
        Thread hook = new Thread(() -> {
            running.stop(System.err::println);
            running.stopped();
        }, "blobsync-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("Mounted " + mnt + " (config " + configFile + ", tables: "
                + String.join(", ", cfg.schema().tables().keySet()) + ").");
        out.println("Stop it with Ctrl-C or: blobsync unmount " + mnt);
        if (Logs.file() != null) {
            out.println("Developer log: " + Logs.file());
        }
        out.flush();

        // An external unmount (fusermount -u) ends the command too.
        while (!running.finished.await(1, TimeUnit.SECONDS)) {
            if (!running.stopping && !isMounted(mnt)) {
                System.err.println("blobsync: " + mnt + " was unmounted from outside; stopping.");
                running.stop(System.err::println);
                running.stopped();
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or ran: it found everything stopped.
        }
        return 0;
    }

    /** One running mount: what stopping it takes, said once whoever asks first. */
    private static final class Running implements ControlServer.Mount {
        private static final LogLimiter SAID = LogLimiter.standard();
        final BlobsyncFs fs;
        final SyncEngine engine;
        final Path mnt;
        final RecentErrors recent;
        final DesktopNotifier notifier;
        final MountRegistry registry = MountRegistry.forUser();
        final CountDownLatch finished = new CountDownLatch(1);
        volatile ControlServer control;
        volatile boolean stopping;
        // guarded by this
        private QueueStats left;

        Running(BlobsyncFs fs, SyncEngine engine, Path mnt, RecentErrors recent, DesktopNotifier notifier) {
            this.fs = fs;
            this.engine = engine;
            this.mnt = mnt;
            this.recent = recent;
            this.notifier = notifier;
        }

        /** A refusal from the filesystem: said at once on stderr, kept for status, notified on a desktop. */
        void failed(String op, String path, int errno, String reason) {
            if (!REFUSALS.contains(errno)) {
                return;
            }
            Path file = Path.of(mnt + path);
            String what = op.contains("xattr") ? "could not change an attribute of " : op.equals("mkdir")
                    ? "could not create " : "could not save ";
            // A program retrying the same refused save must not fill the journal either.
            String more = SAID.admit(file + " " + errno);
            if (more != null) {
                System.err.println("blobsync: " + what + file + ": " + reason + " (programs report: "
                        + Errno.valueOf(errno).description() + ")" + more);
            }
            recent.add(file.toString(), reason);
            notifier.refused(file, reason);
        }

        @Override
        public void setPriority(String pathInMount, String priority) {
            fs.setPriority(pathInMount, priority == null ? null : dev.blobsync.engine.Priority.parse(priority));
        }

        @Override
        public QueueStats unmount(Consumer<String> steps) {
            return stop(line -> {
                System.err.println(line);
                steps.accept(line.replaceFirst("^blobsync: ", ""));
            });
        }

        @Override
        public void stopped() {
            finished.countDown();
        }

        /** Saves open files, unmounts, closes the engine; returns what stays queued. Idempotent. */
        synchronized QueueStats stop(Consumer<String> say) {
            if (left != null) {
                return left;
            }
            stopping = true;
            if (control != null) {
                control.close();
            }
            registry.remove(mnt);
            try {
                say.accept("blobsync: saving open files and unmounting " + mnt + " ...");
                fs.unmount();
            } catch (RuntimeException e) {
                say.accept("blobsync: unmounting " + mnt + " failed: " + Messages.of(e) + ". Run: fusermount -u " + mnt);
                LOG.warn("Unmounting {} failed", mnt, e);
            } finally {
                left = engine.offline().stats();
                engine.close();
                notifier.close();
                if (!left.empty() || left.drafts() > 0) {
                    say.accept("blobsync: " + left.uploads() + " upload(s) (" + Sizes.format(left.uploadBytes()) + ") and "
                            + left.changes() + " record change(s) are still queued, and " + left.drafts()
                            + " draft(s) are kept; they continue on the next mount (see: blobsync queue).");
                }
                say.accept("blobsync: stopped.");
            }
            return left;
        }
    }

    private Path defaultConfig(PrintWriter out) throws IOException {
        UserDirs dirs = UserDirs.fromEnvironment();
        Path file = dirs.defaultConfig();
        if (!Files.exists(file)) {
            InitCommand.write(file, dirs.data().resolve("hub"), dirs.data().resolve("cache"), null);
            out.println("Created " + file + " (photos schema; hub and cache in " + dirs.data() + ").");
        }
        return file;
    }

    private Path prepareMountPoint(Path mnt) throws IOException {
        if (isMounted(mnt)) {
            throw new ParameterException(spec.commandLine(), mnt + " is already a mount point. If an earlier"
                    + " blobsync was killed, run: fusermount -u " + mnt);
        }
        if (!Files.exists(mnt)) {
            Files.createDirectories(mnt);
        } else if (!Files.isDirectory(mnt)) {
            throw new ParameterException(spec.commandLine(), mnt + " is not a folder.");
        } else {
            try (Stream<Path> entries = Files.list(mnt)) {
                if (entries.findAny().isPresent()) {
                    throw new ParameterException(spec.commandLine(), mnt + " is not empty; mount on an empty folder.");
                }
            }
        }
        return mnt;
    }

    static boolean isMounted(Path mnt) {
        try (Stream<String> lines = Files.lines(Path.of("/proc/mounts"))) {
            String target = mnt.toString().replace(" ", "\\040");
            return lines.map(l -> l.split(" ")).anyMatch(f -> f.length > 1 && f[1].equals(target));
        } catch (IOException e) {
            return false;
        }
    }
}

package dev.blobsync.cli;

import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.config.EngineConfig;
import dev.blobsync.fs.BlobsyncFs;
import dev.blobsync.fs.FsOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code blobsync mount}: mounts a config's tables as a drive, in the foreground, until Ctrl-C,
 * SIGTERM or an external unmount. Stopping saves what is open before unmounting.
 */
@Command(name = "mount", mixinStandardHelpOptions = true,
        description = "Mount the tables as a drive; runs in the foreground until Ctrl-C or SIGTERM.")
final class MountCommand implements Callable<Integer> {
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
        ControlServer control = ControlServer.start(engine);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> stop(fs, engine, control, mnt, stopped), "blobsync-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("Mounted " + mnt + " (config " + configFile + ", tables: "
                + String.join(", ", cfg.schema().tables().keySet()) + ").");
        out.println("Press Ctrl-C to unmount.");
        out.flush();

        // An external unmount (fusermount -u) ends the command too.
        while (!stopped.await(1, TimeUnit.SECONDS)) {
            if (!isMounted(mnt)) {
                System.err.println("blobsync: " + mnt + " was unmounted from outside; stopping.");
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    stopped.await();
                    return 0;
                }
                stop(fs, engine, control, mnt, stopped);
            }
        }
        return 0;
    }

    private static void stop(BlobsyncFs fs, SyncEngine engine, ControlServer control, Path mnt,
                             CountDownLatch stopped) {
        if (stopped.getCount() == 0) {
            return;
        }
        control.close();
        try {
            System.err.println("blobsync: saving open files and unmounting " + mnt + " ...");
            fs.unmount();
        } catch (RuntimeException e) {
            System.err.println("blobsync: unmounting " + mnt + " failed: " + Messages.of(e)
                    + ". Run: fusermount -u " + mnt);
        } finally {
            dev.blobsync.engine.QueueStats left = engine.offline().stats();
            engine.close();
            if (!left.empty() || left.drafts() > 0) {
                System.err.println("blobsync: " + left.uploads() + " upload(s) ("
                        + dev.blobsync.engine.config.Sizes.format(left.uploadBytes()) + ") and " + left.changes()
                        + " record change(s) are still queued, and " + left.drafts() + " draft(s) are kept;"
                        + " they continue on the next mount (see: blobsync queue).");
            }
            System.err.println("blobsync: stopped.");
            stopped.countDown();
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

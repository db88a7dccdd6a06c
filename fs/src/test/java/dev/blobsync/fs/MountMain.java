package dev.blobsync.fs;

import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.config.ConfigLoader;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A second device for tests, run in its own JVM: {@code MountMain <config> <mountpoint>} mounts,
 * prints {@code MOUNTED}, and unmounts cleanly when its standard input closes or on SIGTERM.
 */
public final class MountMain {
    private MountMain() {
    }

    public static void main(String[] args) throws Exception {
        SyncEngine engine = SyncEngine.open(ConfigLoader.load(Path.of(args[0])));
        BlobsyncFs fs = new BlobsyncFs(engine, FsOptions.defaults());
        AtomicBoolean stopped = new AtomicBoolean();
        Runnable stop = () -> {
            if (stopped.compareAndSet(false, true)) {
                try {
                    fs.unmount();
                } finally {
                    engine.close();
                }
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "mount-main-stop"));
        fs.mount(Path.of(args[1]));
        System.out.println("MOUNTED");
        System.out.flush();
        while (System.in.read() >= 0) {
            // Runs until the test closes our standard input.
        }
        stop.run();
        System.exit(0);
    }
}

package dev.blobsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@code blobsync mount} running in this JVM for a test, on a config of its own; always
 * {@link #close()}d (unmounted with fusermount when the test did not unmount it).
 */
final class RunningMount implements AutoCloseable {
    static final String FAMILY = "7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01";

    final Path config;
    final Path mnt;
    final CompletableFuture<Integer> exit;

    private RunningMount(Path config, Path mnt) {
        this.config = config;
        this.mnt = mnt;
        this.exit = CompletableFuture.supplyAsync(() -> Main.run("mount", "--config", config.toString(), mnt.toString()));
    }

    /** Writes the config of device {@code name} on {@code hub} (photos schema, quick retries) and mounts it. */
    static RunningMount start(Path root, Path hub, String name, String offlineExtra) throws Exception {
        Path config = root.resolve(name + ".yaml");
        Files.writeString(config, "data: {provider: sqlite, config: {hub: " + hub + "}}\n"
                + "blobs: {provider: filesystem, config: {hub: " + hub + "}}\n"
                + "cache: {directory: " + root.resolve("cache-" + name) + "}\n"
                + "sync: {pollInterval: 200ms}\n"
                + "offline:\n  uploadDelay: 50ms\n" + offlineExtra
                + "schema:\n  photos:\n    $folderName: \"{takenAt:yyyy-MM-dd} {title}\"\n    id: uuid\n"
                + "    title: string\n    takenAt: {type: datetime, default: now}\n"
                + "    familyId: {type: uuid, default: " + FAMILY + "}\n"
                + "    image: {type: blob, mimeTypes: ['image/*']}\n");
        RunningMount m = new RunningMount(config, root.resolve("mnt-" + name));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!MountCommand.isMounted(m.mnt) || !Files.exists(root.resolve("cache-" + name).resolve("control.sock"))) {
            assertThat(m.exit).as("the mount command is still running").isNotDone();
            assertThat(System.nanoTime()).as("mounted within 60 s").isLessThan(deadline);
            Thread.sleep(100);
        }
        return m;
    }

    Path table() {
        return mnt.resolve("photos");
    }

    @Override
    public void close() throws Exception {
        if (MountCommand.isMounted(mnt)) {
            new ProcessBuilder("fusermount", "-u", mnt.toString()).inheritIO().start().waitFor();
        }
        exit.get(60, TimeUnit.SECONDS);
    }
}

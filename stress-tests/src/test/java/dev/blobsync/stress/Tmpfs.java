package dev.blobsync.stress;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A small tmpfs mounted on a folder for the length of a test: a disk that really fills up.
 * Needs root (CI runs as root); elsewhere the test is skipped, on CI it fails.
 */
final class Tmpfs implements AutoCloseable {
    private final Path dir;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs of {@code size} (like {@code 64m}) on {@code dir}, created when missing. */
    static Tmpfs mount(Path dir, String size) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        MountDaemon.Result r = MountDaemon.run(List.of("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs",
                dir.toString()), Duration.ofSeconds(30));
        if (r.exit() != 0) {
            String why = "cannot mount a tmpfs (needs root): " + r.err().trim();
            if ("true".equals(System.getenv("CI"))) {
                fail(why);
            }
            org.junit.jupiter.api.Assumptions.abort(why);
        }
        return new Tmpfs(dir);
    }

    Path dir() {
        return dir;
    }

    /** Free bytes on it now. */
    long free() throws IOException {
        return Files.getFileStore(dir).getUsableSpace();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        MountDaemon.Result r = MountDaemon.run(List.of("umount", dir.toString()), Duration.ofSeconds(30));
        if (r.exit() != 0) {
            MountDaemon.run(List.of("umount", "-l", dir.toString()), Duration.ofSeconds(30));
        }
    }
}

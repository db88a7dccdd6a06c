package dev.blobsync.stress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The built {@code blobsync} command run as a separate process, as a user runs it: {@code mount}
 * in the foreground with its output appended to a log file, killed with SIGKILL or stopped with
 * SIGTERM, and the other subcommands ({@code queue}, {@code flush}, {@code init}) run next to it.
 * Crash and fault tests drive it; it never outlives the test ({@link #close()}).
 */
final class MountDaemon implements AutoCloseable {
    static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    static final Path JAR = REPO.resolve("mount-cli/target/blobsync.jar");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a command printed and how it ended. */
    record Result(int exit, String out, String err) {
    }

    private final Path config;
    private final Path mnt;
    private final Path log;
    private Process process;
    private int starts;

    MountDaemon(Path config, Path mnt, Path log) {
        this.config = config;
        this.mnt = mnt;
        this.log = log;
    }

    static void requireJar() {
        assertThat(JAR).as("the jar is built before stress tests run (mvn verify)").isRegularFile();
    }

    Path mnt() {
        return mnt;
    }

    Path config() {
        return config;
    }

    int starts() {
        return starts;
    }

    /** Starts {@code blobsync mount} and returns once the kernel shows the mount. */
    void start() throws IOException, InterruptedException {
        starts++;
        Files.createDirectories(mnt);
        process = new ProcessBuilder(command("mount", "--config", config.toString(), mnt.toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Process started = process;
        if (!NewcomerMountIT.eventually(Duration.ofSeconds(60), () -> NewcomerMountIT.isMounted(mnt)
                || !started.isAlive()) || !started.isAlive()) {
            fail("the daemon did not mount (start " + starts + "):\n" + log());
        }
    }

    /** SIGKILL, as a crash: waits until the process and its mount are gone. */
    void kill() throws Exception {
        process.destroyForcibly();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        // auto_unmount takes the dead mount away; make sure before mounting again.
        if (!NewcomerMountIT.eventually(Duration.ofSeconds(10), () -> !NewcomerMountIT.isMounted(mnt))) {
            unmountQuietly();
        }
    }

    /** SIGTERM: the daemon saves what is open, unmounts and exits. */
    void stop() throws Exception {
        process.destroy();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
        assertThat(NewcomerMountIT.isMounted(mnt)).isFalse();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** Runs another subcommand against this daemon's config, e.g. {@code queue --json}. */
    Result cli(String subcommand, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(command(subcommand, "--config", config.toString()));
        cmd.addAll(List.of(args));
        return run(cmd, Duration.ofMinutes(6));
    }

    /** {@code blobsync queue --json}, parsed. */
    JsonNode queue() throws IOException, InterruptedException {
        Result r = cli("queue", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        return JSON.readTree(r.out());
    }

    /** True when {@code blobsync queue} lists nothing. */
    boolean queueEmpty() {
        try {
            return queue().path("items").isEmpty();
        } catch (IOException | InterruptedException | AssertionError e) {
            return false;
        }
    }

    static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(List.of("java", "-Xmx384m", "-Dfile.encoding=UTF-8", "-jar",
                JAR.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static Result run(List<String> cmd, Duration timeout) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        byte[][] out = new byte[2][];
        Thread err = new Thread(() -> {
            try {
                out[1] = p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                out[1] = new byte[0];
            }
        });
        err.start();
        out[0] = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("timed out: " + String.join(" ", cmd));
        }
        err.join();
        return new Result(p.exitValue(), new String(out[0], StandardCharsets.UTF_8),
                new String(out[1], StandardCharsets.UTF_8));
    }

    /** {@code cp FILE DIR/} as a user types it (the slash: never a file named like the folder when it is gone). */
    static Result cp(Path file, Path target) throws IOException, InterruptedException {
        return run(List.of("cp", file.toString(), target.toString() + "/"), Duration.ofMinutes(2));
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    long logBytes() throws IOException {
        return Files.exists(log) ? Files.size(log) : 0;
    }

    void unmountQuietly() {
        try {
            new ProcessBuilder("fusermount", "-uz", mnt.toString()).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            // Nothing mounted.
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        unmountQuietly();
    }
}

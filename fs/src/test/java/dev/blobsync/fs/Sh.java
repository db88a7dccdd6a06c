package dev.blobsync.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Small helpers for tests that drive the mount like a user: commands and deadlines. */
public final class Sh {
    /** What a command did. */
    public record Result(int exit, String out, String err) {
    }

    private Sh() {
    }

    /**
     * Makes a test that drives {@code program} fail on CI (CI=true) when it is missing, and skip
     * elsewhere; .ci/run installs every program the tests use.
     */
    public static void require(String program) {
        if (available(program)) {
            return;
        }
        String why = program + " is not installed (.ci/run installs it with apt-get)";
        if ("true".equals(System.getenv("CI"))) {
            org.junit.jupiter.api.Assertions.fail(why);
        }
        org.junit.jupiter.api.Assumptions.abort(why);
    }

    public static boolean available(String program) {
        try {
            return run(Path.of("/"), "sh", "-c", "command -v " + program).exit() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    public static Result run(Path dir, String... command) throws IOException {
        Process p = new ProcessBuilder(List.of(command)).directory(dir.toFile()).start();
        p.getOutputStream().close();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + String.join(" ", command));
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                    new String(err, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** Polls {@code condition} until it holds or {@code timeout} passes; true when it held. */
    public static boolean eventually(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return true;
                }
            } catch (RuntimeException e) {
                // Not there yet (a file that is still missing, say): keep polling.
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}

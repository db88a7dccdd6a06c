package dev.blobsync.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the host says about FUSE: is it installed, is a path mounted, and unmounting. */
final class Mounts {
    private static final Path PROC_MOUNTS = Path.of("/proc/mounts");
    private static final List<String> LIB_DIRS = List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
            "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
            "/usr/local/lib");

    private Mounts() {
    }

    /** What is missing for FUSE on this machine; empty when everything is there. */
    static List<String> missingFuseParts() {
        return missingFuseParts(Path.of("/dev/fuse"), LIB_DIRS, System.getenv("PATH"));
    }

    /** What of FUSE is missing, looking at the given device, library folders and PATH. */
    static List<String> missingFuseParts(Path device, List<String> libDirs, String pathEnv) {
        List<String> missing = new ArrayList<>();
        if (!Files.exists(device)) {
            missing.add("the device " + device + " (load the fuse kernel module, or give the container --device "
                    + device + ")");
        }
        if (libDirs.stream().noneMatch(d -> Files.exists(Path.of(d, "libfuse.so.2")))) {
            missing.add("the library libfuse.so.2 (package libfuse2)");
        }
        if (findOnPath("fusermount", pathEnv) == null) {
            missing.add("the program fusermount (package fuse)");
        }
        return missing;
    }

    private static Path findOnPath(String program, String path) {
        for (String dir : (path == null ? "/usr/bin:/bin" : path).split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return Path.of(dir, program);
            }
        }
        return null;
    }

    /** True when {@code mountPoint} appears in /proc/mounts. */
    static boolean isMounted(Path mountPoint) {
        String wanted = mountPoint.toAbsolutePath().normalize().toString();
        try {
            for (String line : Files.readAllLines(PROC_MOUNTS, StandardCharsets.UTF_8)) {
                String[] fields = line.split(" ");
                if (fields.length > 1 && unescape(fields[1]).equals(wanted)) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** /proc/mounts writes space, tab, newline and backslash as octal escapes ("\040"). */
    private static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()
                    && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * Waits until {@code mountPoint} is (or is no longer) in /proc/mounts, polling every 10 ms
     * while {@code keepWaiting} holds; true when it got there within {@code timeout}.
     */
    static boolean awaitMounted(Path mountPoint, boolean wanted, java.time.Duration timeout,
                                java.util.function.BooleanSupplier keepWaiting) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isMounted(mountPoint) != wanted) {
            if (System.nanoTime() > deadline || !keepWaiting.getAsBoolean()) {
                return isMounted(mountPoint) == wanted;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return isMounted(mountPoint) == wanted;
            }
        }
        return true;
    }

    /** Runs {@code fusermount -u [-z] mountPoint}; true when it exited 0. */
    static boolean fusermount(Path mountPoint, boolean lazy) {
        List<String> cmd = new ArrayList<>(List.of("fusermount", "-u"));
        if (lazy) {
            cmd.add("-z");
        }
        cmd.add(mountPoint.toAbsolutePath().toString());
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}

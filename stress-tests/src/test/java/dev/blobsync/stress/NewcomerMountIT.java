package dev.blobsync.stress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A newcomer's path: the mount command exactly as README.md writes it, run from the checkout
 * with an empty home folder, gives a working drive backed by the embedded default, and stops
 * cleanly on SIGTERM. Runs in {@code mvn verify}, after the jar is packaged.
 */
class NewcomerMountIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path home;

    @Test
    void readmeMountCommandGivesAWorkingDriveOnTheEmbeddedDefault() throws Exception {
        requireFuse();
        String command = readmeMountCommand();
        assertThat(command).startsWith("./blobsync mount ");
        Path mnt = home.resolve(command.substring(command.lastIndexOf(' ') + 1).replaceFirst("^~/", ""));

        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "exec " + command).directory(REPO.toFile())
                .redirectErrorStream(true).redirectOutput(home.resolve("mount.log").toFile());
        pb.environment().put("HOME", home.toString());
        pb.environment().remove("XDG_CONFIG_HOME");
        pb.environment().remove("XDG_DATA_HOME");
        Process p = pb.start();
        try {
            if (!eventually(Duration.ofSeconds(120), () -> isMounted(mnt))) {
                fail("the README mount command did not mount " + mnt + ":\n" + log());
            }
            assertThat(home.resolve(".config/blobsync/config.yaml")).isRegularFile();
            assertThat(mnt.resolve("photos")).isDirectory();

            byte[] jpeg = new byte[3 << 20];
            new Random(42).nextBytes(jpeg);
            Path src = home.resolve("IMG_0001.jpg");
            Files.write(src, jpeg);
            Process cp = new ProcessBuilder("cp", src.toString(), mnt.resolve("photos").toString()).inheritIO().start();
            assertThat(cp.waitFor()).isZero();

            Path[] image = new Path[1];
            assertThat(eventually(Duration.ofSeconds(10), () -> (image[0] = findImage(mnt.resolve("photos"))) != null))
                    .as("a record folder holding image.jpg appears").isTrue();
            assertThat(image[0].getParent().getFileName().toString()).contains("IMG_0001");
            assertThat(sha256(Files.readAllBytes(image[0]))).isEqualTo(sha256(jpeg));
            assertThat(Files.readString(image[0].resolveSibling("meta.json"))).contains("IMG_0001");
            Path hubBlobs = home.resolve(".local/share/blobsync/hub/blobs");
            assertThat(eventually(Duration.ofSeconds(30), () -> hasBlob(hubBlobs, sha256(jpeg))))
                    .as("the photo reached the hub's blob folder").isTrue();
        } finally {
            p.destroy(); // SIGTERM: the command saves what is open and unmounts
            boolean exited = p.waitFor(60, TimeUnit.SECONDS);
            if (!exited) {
                p.destroyForcibly();
                new ProcessBuilder("fusermount", "-uz", mnt.toString()).start().waitFor();
            }
            assertThat(exited).as("stops on SIGTERM:\n" + log()).isTrue();
        }
        assertThat(isMounted(mnt)).as("unmounted after SIGTERM").isFalse();
        assertThat(log()).contains("Mounted " + mnt).contains("stopped");
    }

    private static boolean hasBlob(Path hubBlobs, String sha) {
        return Files.isRegularFile(hubBlobs.resolve(sha.substring(0, 2)).resolve(sha));
    }

    private String log() {
        try {
            return Files.readString(home.resolve("mount.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static Path findImage(Path table) {
        try (Stream<Path> records = Files.list(table)) {
            Optional<Path> hit = records.map(r -> r.resolve("image.jpg")).filter(Files::isRegularFile).findFirst();
            return hit.orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    static String readmeMountCommand() throws IOException {
        List<String> lines = Files.readAllLines(REPO.resolve("README.md"));
        return lines.stream().map(String::trim).filter(l -> l.startsWith("./blobsync mount")).findFirst()
                .orElseThrow(() -> new AssertionError("README.md has no './blobsync mount' command"));
    }

    static void requireFuse() {
        boolean ok = Files.exists(Path.of("/dev/fuse"));
        if (!ok) {
            String why = "/dev/fuse is missing; FUSE tests need it (apt-get install fuse libfuse2)";
            if ("true".equals(System.getenv("CI"))) {
                fail(why);
            }
            org.junit.jupiter.api.Assumptions.abort(why);
        }
    }

    static boolean isMounted(Path mnt) {
        try (Stream<String> lines = Files.lines(Path.of("/proc/mounts"))) {
            return lines.map(l -> l.split(" ")).anyMatch(f -> f.length > 1 && f[1].equals(mnt.toString()));
        } catch (IOException e) {
            return false;
        }
    }

    static boolean eventually(Duration timeout, java.util.function.BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (c.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return c.getAsBoolean();
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

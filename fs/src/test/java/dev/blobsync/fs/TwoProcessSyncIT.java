package dev.blobsync.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two mounts of one hub in two JVMs: what one does, the other shows within seconds. */
class TwoProcessSyncIT {
    private static final Duration SOON = Duration.ofSeconds(15);

    @RegisterExtension
    final MountExtension mount = new MountExtension();

    /** The folder on {@code photos} whose meta.json names {@code id}, or null. */
    private static Path folderOf(Path photos, UUID id) {
        try {
            for (String name : RecordLifecycleIT.names(photos)) {
                Path meta = photos.resolve(name).resolve("meta.json");
                if (Files.readString(meta).contains(id.toString())) {
                    return photos.resolve(name);
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    @Test
    void createEditReplaceAndDeleteShowUpOnTheOtherMount() throws Exception {
        Path mntB = Files.createDirectories(mount.root().resolve("mnt-b"));
        Path configB = mount.hub().config("b");
        Process b = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dfile.encoding=UTF-8", "-cp", System.getProperty("java.class.path"), MountMain.class.getName(), configB.toString(), mntB.toString())
                .redirectError(mount.root().resolve("b.log").toFile())
                .redirectOutput(mount.root().resolve("b.out").toFile())
                .start();
        try {
            assertThat(Sh.eventually(Duration.ofSeconds(60), () -> Mounts.isMounted(mntB)))
                    .as("second JVM mounted; its log:\n%s", log()).isTrue();
            Path photosA = mount.mnt().resolve("photos");
            Path photosB = mntB.resolve("photos");

            // create: a bare file, completed through meta.json so it is pushed
            Files.write(photosA.resolve("lake.jpg"), RecordLifecycleIT.randomBytes(100_000, 11));
            UUID id = mount.engine().table("photos").list().get(0).id();
            Path folderA = folderOf(photosA, id);
            String meta = "{\"id\": \"" + id + "\", \"title\": \"Lake\", \"takenAt\": \"2026-07-04T09:00:00Z\","
                    + " \"familyId\": \"" + UUID.randomUUID() + "\"}\n";
            Files.writeString(folderA.resolve("meta.json"), meta);
            assertThat(Sh.eventually(SOON, () -> Files.isDirectory(photosB.resolve("2026-07-04 Lake"))))
                    .as("the record appears on B").isTrue();

            // edit through meta.json
            folderA = folderOf(photosA, id);
            Files.writeString(folderA.resolve("meta.json"), meta.replace("\"Lake\"", "\"Lake at dawn\""));
            assertThat(Sh.eventually(SOON, () -> Files.isDirectory(photosB.resolve("2026-07-04 Lake at dawn"))
                    && !Files.exists(photosB.resolve("2026-07-04 Lake")))).as("the rename shows on B").isTrue();

            // a new image
            byte[] image = RecordLifecycleIT.randomBytes(150_000, 12);
            Files.write(photosA.resolve("2026-07-04 Lake at dawn/image.jpg"), image);
            assertThat(Sh.eventually(SOON, () -> {
                try {
                    return Arrays.equals(Files.readAllBytes(photosB.resolve("2026-07-04 Lake at dawn/image.jpg")), image);
                } catch (IOException e) {
                    return false;
                }
            })).as("B reads the new image").isTrue();

            // delete
            Sh.Result rm = Sh.run(mount.root(), "rm", "-r", photosA.resolve("2026-07-04 Lake at dawn").toString());
            assertThat(rm.exit()).as(rm.err()).isZero();
            assertThat(Sh.eventually(SOON, () -> folderOf(photosB, id) == null
                    && !Files.exists(photosB.resolve("2026-07-04 Lake at dawn")))).as("gone on B").isTrue();
        } finally {
            b.getOutputStream().close();
            if (!b.waitFor(20, TimeUnit.SECONDS)) {
                b.destroy();
                b.waitFor(10, TimeUnit.SECONDS);
            }
            if (Mounts.isMounted(mntB)) {
                Mounts.fusermount(mntB, true);
            }
        }
        assertThat(b.exitValue()).as(log()).isZero();
        assertThat(Mounts.isMounted(mntB)).isFalse();
    }

    private String log() {
        try {
            return String.join("\n", List.of(Files.readString(mount.root().resolve("b.log"))));
        } catch (IOException e) {
            return "(no log)";
        }
    }
}

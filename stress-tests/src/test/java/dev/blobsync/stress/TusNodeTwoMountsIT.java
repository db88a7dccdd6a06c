package dev.blobsync.stress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.blobsync.engine.provider.sqlite.SqliteHubDataProvider;
import dev.blobsync.engine.spi.ChangePage;
import dev.blobsync.engine.spi.RemoteRecord;
import dev.blobsync.engine.testing.TusNodeServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two mounts (two daemon processes, one hub) get the same 20 MiB photo copied in at once, and
 * upload it to @tus/server set up as Supabase Storage's resumable endpoint. The server holds
 * one upload inside its second 6 MiB chunk, so the other mount's requests meet the object's
 * lock and are refused with 409; once released, one upload stores the photo and the other sees
 * "already exists" (or finds it stored before sending). The photo is stored once, both records
 * reach the hub, and each mount reads the other's photo.
 */
class TusNodeTwoMountsIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path JAR = REPO.resolve("mount-cli/target/blobsync.jar");
    private static final int SIZE = 20 << 20;
    private static final long HOLD = (6L << 20) + 4321;
    private static final String KEY_VARIABLE = "BLOBSYNC_TEST_SUPABASE_KEY";

    @TempDir
    Path tmp;

    private final List<Process> daemons = new ArrayList<>();
    private final List<Path> mounts = new ArrayList<>();

    @Test
    void twoMountsUploadingTheSamePhotoStoreItOnceAndBothRecordsSync() throws Exception {
        NewcomerMountIT.requireFuse();
        assertThat(JAR).as("the jar is built before stress tests run (mvn verify)").isRegularFile();
        byte[] photo = new byte[SIZE];
        new Random(2).nextBytes(photo);
        String key = NewcomerMountIT.sha256(photo);
        try (TusNodeServer server = TusNodeServer.start(tmp.resolve("server"), TusNodeServer.Mode.SUPABASE)) {
            server.holdAt(HOLD);
            Path a = writeConfig(server, "a");
            Path b = writeConfig(server, "b");
            Path mntA = mount(a, "a");
            Path mntB = mount(b, "b");
            Path srcA = Files.write(tmp.resolve("beach.jpg"), photo);
            Path srcB = Files.write(tmp.resolve("dunes.jpg"), photo);
            Process cpA = new ProcessBuilder("cp", srcA.toString(), mntA.resolve("photos") + "/").inheritIO().start();
            Process cpB = new ProcessBuilder("cp", srcB.toString(), mntB.resolve("photos") + "/").inheritIO().start();
            for (Process cp : List.of(cpA, cpB)) {
                assertThat(cp.waitFor(120, TimeUnit.SECONDS) && cp.exitValue() == 0).as("cp into a mount").isTrue();
            }
            assertThat(NewcomerMountIT.eventually(Duration.ofSeconds(60), () -> stat(server, "received") == HOLD))
                    .as("one upload is held in its second chunk").isTrue();
            long lockedBefore = stat(server, "locked");
            assertThat(NewcomerMountIT.eventually(Duration.ofSeconds(60), () -> stat(server, "locked") > lockedBefore))
                    .as("the other mount's upload met the held one's lock (409); logs:\n%s", logs()).isTrue();
            server.release();

            for (Path config : List.of(a, b)) {
                ProcessBuilder pb = new ProcessBuilder("java", "-jar", JAR.toString(), "flush", "--config",
                        config.toString(), "--timeout", "2m").redirectErrorStream(true);
                pb.environment().put(KEY_VARIABLE, TusNodeServer.KEY);
                Process flush = pb.start();
                String out = new String(flush.getInputStream().readAllBytes());
                assertThat(flush.waitFor(3, TimeUnit.MINUTES)).isTrue();
                assertThat(flush.exitValue()).as(out).isZero();
            }
            assertThat(server.finished(key)).as("one upload stored the photo").isEqualTo(1);
            assertThat(NewcomerMountIT.sha256(Files.readAllBytes(server.storedFile(key)))).isEqualTo(key);
            Map<String, String> hub = hubImagesByTitle(tmp.resolve("hub"));
            assertThat(hub).containsEntry("beach", key).containsEntry("dunes", key);
            assertThat(NewcomerMountIT.eventually(Duration.ofSeconds(30), () ->
                    sameBytes(mntB.resolve("photos/beach/image.jpg"), photo)
                            && sameBytes(mntA.resolve("photos/dunes/image.jpg"), photo)))
                    .as("each mount reads the other's photo").isTrue();
            assertThat(logs()).as("the service key is never logged").doesNotContain(TusNodeServer.KEY);
        } finally {
            for (Process d : daemons) {
                d.destroy();
                if (!d.waitFor(30, TimeUnit.SECONDS)) {
                    d.destroyForcibly();
                }
            }
            for (Path m : mounts) {
                new ProcessBuilder("fusermount", "-uz", m.toString()).start().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static boolean sameBytes(Path file, byte[] expected) {
        try {
            return java.util.Arrays.equals(Files.readAllBytes(file), expected);
        } catch (IOException e) {
            return false;
        }
    }

    private static long stat(TusNodeServer server, String name) {
        try {
            return server.stats().path(name).asLong();
        } catch (Exception e) {
            return -1;
        }
    }

    private Path writeConfig(TusNodeServer server, String device) throws IOException {
        String yaml = "data:\n  provider: sqlite\n  config:\n    hub: " + tmp.resolve("hub") + "\n"
                + "blobs:\n  provider: tus\n  config:\n" + server.blobsConfigYaml("${" + KEY_VARIABLE + "}")
                + "cache:\n  directory: " + tmp.resolve("cache-" + device) + "\n"
                + "offline:\n  uploadDelay: 100ms\n"
                + "  retryStrategy: {maxAttempts: 100, initialDelay: 100ms, maxDelay: 1s}\n"
                + "sync:\n  pollInterval: 300ms\n"
                + "schema:\n  photos:\n    $folderName: \"{title}\"\n    id: uuid\n    title: string\n"
                + "    takenAt: { type: datetime, default: now }\n"
                + "    image: { type: blob, mimeTypes: ['image/*'] }\n";
        return Files.writeString(tmp.resolve(device + ".yaml"), yaml);
    }

    private Path mount(Path config, String device) throws Exception {
        Path mnt = Files.createDirectories(tmp.resolve("mnt-" + device));
        ProcessBuilder pb = new ProcessBuilder("java", "-Dfile.encoding=UTF-8", "-jar", JAR.toString(), "mount",
                "--config", config.toString(), mnt.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve("daemon-" + device + ".log").toFile()));
        pb.environment().put(KEY_VARIABLE, TusNodeServer.KEY);
        daemons.add(pb.start());
        mounts.add(mnt);
        if (!NewcomerMountIT.eventually(Duration.ofSeconds(60), () -> NewcomerMountIT.isMounted(mnt))) {
            fail("daemon " + device + " did not mount:\n" + logs());
        }
        return mnt;
    }

    private static Map<String, String> hubImagesByTitle(Path hub) throws Exception {
        Map<String, String> out = new HashMap<>();
        try (SqliteHubDataProvider p = SqliteHubDataProvider.open(hub)) {
            String cursor = null;
            ChangePage page;
            do {
                page = p.changesSince(cursor, 500);
                for (RemoteRecord r : page.changes()) {
                    if (!r.deleted()) {
                        out.put(r.fields().path("title").asText(), r.fields().path("image").path("sha256").asText());
                    }
                }
                cursor = page.cursor();
            } while (page.hasMore());
        }
        return out;
    }

    private String logs() {
        StringBuilder out = new StringBuilder();
        for (String device : List.of("a", "b")) {
            try {
                out.append(Files.readString(tmp.resolve("daemon-" + device + ".log")));
            } catch (IOException e) {
                out.append("(no log of ").append(device).append(")\n");
            }
        }
        return out.toString();
    }
}

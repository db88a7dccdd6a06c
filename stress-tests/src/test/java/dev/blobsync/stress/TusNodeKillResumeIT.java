package dev.blobsync.stress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.blobsync.engine.provider.sqlite.SqliteHubDataProvider;
import dev.blobsync.engine.spi.ChangePage;
import dev.blobsync.engine.spi.RemoteRecord;
import dev.blobsync.engine.testing.TusNodeServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mount daemon (a separate process) is killed with SIGKILL in the middle of uploading a
 * 30 MiB photo to @tus/server set up as Supabase Storage's resumable endpoint; the server holds
 * the upload at an odd byte in its second 6 MiB chunk, so the kill lands inside a PATCH. After a
 * restart the daemon asks the server for its offset and continues the same upload from there:
 * the bytes the server's store takes after the restart are exactly the rest of the photo, sent
 * in 6 MiB chunks from an offset that is no multiple of 6 MiB. The service key comes from an
 * environment variable ({@code ${NAME}} in the config) and never appears in the daemon's log.
 */
class TusNodeKillResumeIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path JAR = REPO.resolve("mount-cli/target/blobsync.jar");
    private static final int SIZE = 30 << 20;
    private static final long HOLD = (9L << 20) + 12_345;
    private static final String KEY_VARIABLE = "BLOBSYNC_TEST_SUPABASE_KEY";

    @TempDir
    Path tmp;

    private Process daemon;
    private Path mnt;

    @Test
    void uploadResumesFromServerOffsetAfterKill() throws Exception {
        NewcomerMountIT.requireFuse();
        assertThat(JAR).as("the jar is built before stress tests run (mvn verify)").isRegularFile();
        byte[] photo = new byte[SIZE];
        new Random(9).nextBytes(photo);
        String key = NewcomerMountIT.sha256(photo);
        Path src = Files.write(tmp.resolve("IMG_0030.jpg"), photo);
        mnt = Files.createDirectories(tmp.resolve("mnt"));
        try (TusNodeServer server = TusNodeServer.start(tmp.resolve("server"), TusNodeServer.Mode.SUPABASE)) {
            Path config = writeConfig(server);
            server.holdAt(HOLD);
            startDaemon(config);
            Process cp = new ProcessBuilder("cp", src.toString(), mnt.resolve("photos") + "/").inheritIO().start();
            assertThat(cp.waitFor(120, TimeUnit.SECONDS) && cp.exitValue() == 0).as("cp into the mount").isTrue();
            assertThat(NewcomerMountIT.eventually(Duration.ofSeconds(60), () -> received(server) == HOLD))
                    .as("the upload reached the hold point; daemon log:\n%s", log()).isTrue();

            daemon.destroyForcibly();
            assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).isTrue();
            server.cut();
            NewcomerMountIT.eventually(Duration.ofSeconds(10), () -> !NewcomerMountIT.isMounted(mnt));
            unmountQuietly();
            List<JsonNode> before = writesOf(server.stats(), null);
            assertThat(before).as("one upload session, cut in its second PATCH").hasSize(2);
            String upload = before.get(0).path("id").asText();

            startDaemon(config);
            Process flush = new ProcessBuilder("java", "-jar", JAR.toString(), "flush", "--config", config.toString(),
                    "--timeout", "3m").redirectErrorStream(true).start();
            String flushOut = new String(flush.getInputStream().readAllBytes());
            assertThat(flush.waitFor(4, TimeUnit.MINUTES)).isTrue();
            assertThat(flush.exitValue()).as(flushOut).isZero();

            JsonNode stats = server.stats();
            List<JsonNode> offsets = new ArrayList<>();
            stats.path("heads").forEach(h -> {
                if (h.path("id").asText().equals(upload)) {
                    offsets.add(h);
                }
            });
            assertThat(offsets).as("the restarted daemon asked the server for its offset").isNotEmpty();
            long resumedAt = offsets.get(0).path("offset").asLong();
            assertThat(resumedAt).as("the server kept the bytes of the cut PATCH it had written")
                    .isGreaterThan(6L << 20).isLessThanOrEqualTo(HOLD);
            List<JsonNode> after = writesOf(stats, upload).subList(2, writesOf(stats, upload).size());
            assertThat(after).as("the same upload continued").isNotEmpty();
            assertThat(after.get(0).path("offset").asLong()).as("first PATCH after the restart").isEqualTo(resumedAt);
            long sentAfter = after.stream().mapToLong(w -> w.path("bytes").asLong()).sum();
            assertThat(sentAfter).as("bytes the server took after the restart: exactly the rest")
                    .isEqualTo(SIZE - resumedAt);
            assertThat(writesOf(stats, null).stream().filter(w -> !w.path("id").asText().equals(upload)
                    && w.path("id").asText().contains(key))).as("no second upload of the photo").isEmpty();
            assertThat(server.finished(key)).isEqualTo(1);
            assertThat(NewcomerMountIT.sha256(Files.readAllBytes(server.storedFile(key)))).isEqualTo(key);
            assertThat(hubImages(tmp.resolve("hub"))).as("the record on the hub").contains(key);
            assertThat(log()).as("the service key is never logged").doesNotContain(TusNodeServer.KEY);
            stopDaemon();
        } finally {
            if (daemon != null && daemon.isAlive()) {
                daemon.destroyForcibly();
            }
            unmountQuietly();
        }
    }

    private static long received(TusNodeServer server) {
        try {
            return server.bytesReceived();
        } catch (Exception e) {
            return -1;
        }
    }

    /** The store's writes of the photo's upload {@code id} (any upload of a big blob when null), in order. */
    private static List<JsonNode> writesOf(JsonNode stats, String id) {
        List<JsonNode> out = new ArrayList<>();
        stats.path("writes").forEach(w -> {
            boolean big = w.path("bytes").asLong() > 100_000 || w.path("offset").asLong() > 0;
            if (id == null ? big : w.path("id").asText().equals(id)) {
                out.add(w);
            }
        });
        return out;
    }

    private Path writeConfig(TusNodeServer server) throws IOException {
        String yaml = "data:\n  provider: sqlite\n  config:\n    hub: " + tmp.resolve("hub") + "\n"
                + "blobs:\n  provider: tus\n  config:\n" + server.blobsConfigYaml("${" + KEY_VARIABLE + "}")
                + "cache:\n  directory: " + tmp.resolve("cache") + "\n"
                + "offline:\n  uploadDelay: 100ms\n"
                + "  retryStrategy: {maxAttempts: 100, initialDelay: 100ms, maxDelay: 1s}\n"
                + "sync:\n  pollInterval: 500ms\n"
                + "schema:\n  photos:\n    $folderName: \"{title}\"\n    id: uuid\n    title: string\n"
                + "    takenAt: { type: datetime, default: now }\n"
                + "    image: { type: blob, mimeTypes: ['image/*'] }\n";
        return Files.writeString(tmp.resolve("supabase.yaml"), yaml);
    }

    private void startDaemon(Path config) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("java", "-Dfile.encoding=UTF-8", "-jar", JAR.toString(), "mount",
                "--config", config.toString(), mnt.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve("daemon.log").toFile()));
        pb.environment().put(KEY_VARIABLE, TusNodeServer.KEY);
        daemon = pb.start();
        if (!NewcomerMountIT.eventually(Duration.ofSeconds(60), () -> NewcomerMountIT.isMounted(mnt))) {
            fail("the daemon did not mount:\n" + log());
        }
    }

    private void stopDaemon() throws Exception {
        daemon.destroy();
        assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
    }

    private static List<String> hubImages(Path hub) throws Exception {
        List<String> out = new ArrayList<>();
        try (SqliteHubDataProvider p = SqliteHubDataProvider.open(hub)) {
            String cursor = null;
            ChangePage page;
            do {
                page = p.changesSince(cursor, 500);
                for (RemoteRecord r : page.changes()) {
                    out.add(r.fields().path("image").path("sha256").asText());
                }
                cursor = page.cursor();
            } while (page.hasMore());
        }
        return out;
    }

    private void unmountQuietly() {
        try {
            new ProcessBuilder("fusermount", "-uz", mnt.toString()).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            // Nothing mounted.
        }
    }

    private String log() {
        try {
            return Files.readString(tmp.resolve("daemon.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }
}

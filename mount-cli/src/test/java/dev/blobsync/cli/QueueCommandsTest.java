package dev.blobsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QueueCommandsTest {
    @TempDir
    Path tmp;

    private Path config() throws Exception {
        Path config = tmp.resolve("blobsync.yaml");
        assertThat(CliRun.of("init", "--hub", tmp.resolve("hub").toString(), config.toString()).code()).isZero();
        return config;
    }

    private void breakBlobStore() throws Exception {
        Path incoming = tmp.resolve("hub/blobs/.incoming");
        Files.createDirectories(incoming.getParent());
        Files.deleteIfExists(incoming);
        Files.writeString(incoming, "down");
    }

    private void insertPhoto(Path config, String name) throws Exception {
        byte[] b = new byte[50_000];
        new Random(name.hashCode()).nextBytes(b);
        Path file = tmp.resolve(name);
        Files.write(file, b);
        try (SyncEngine engine = SyncEngine.open(ConfigLoader.load(config))) {
            engine.table("photos").insert(Map.of("title", "queued photo", "image", file));
        }
    }

    @Test
    void queueListsWhatWaitsAndFlushNamesWhatFailedThenSucceedsOnceFixed() throws Exception {
        Path config = config();
        breakBlobStore();
        insertPhoto(config, "beach.jpg");

        CliRun q = CliRun.of("queue", "--config", config.toString());
        assertThat(q.code()).as(q.err()).isZero();
        assertThat(q.out()).contains("1 upload(s)").contains("upload").contains("beach.jpg").contains("insert")
                .contains("photos/queued photo");

        CliRun stuck = CliRun.of("flush", "--config", config.toString(), "--timeout", "3s");
        assertThat(stuck.code()).isEqualTo(1);
        assertThat(stuck.err()).contains("could not be synced").contains("beach.jpg");

        Files.delete(tmp.resolve("hub/blobs/.incoming"));
        CliRun ok = CliRun.of("flush", "--config", config.toString(), "--timeout", "60s");
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("Everything is synced.");
        assertThat(CliRun.of("queue", "--config", config.toString()).out()).contains("Nothing queued.");
    }

    @Test
    void queueAndFlushTalkToARunningMount() throws Exception {
        Path config = config();
        breakBlobStore();
        insertPhoto(config, "pier.jpg");
        Path mnt = tmp.resolve("mnt");
        CompletableFuture<Integer> mount = CompletableFuture.supplyAsync(
                () -> Main.run("mount", "--config", config.toString(), mnt.toString()));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!MountCommand.isMounted(mnt) || !Files.exists(tmp.resolve("cache/control.sock"))) {
                assertThat(System.nanoTime()).as("mounted in time").isLessThan(deadline);
                assertThat(mount).isNotDone();
                Thread.sleep(100);
            }
            // The mount holds the cache folder; the command must ask it rather than open the store.
            CliRun q = CliRun.of("queue", "--config", config.toString(), "--json");
            assertThat(q.code()).as(q.err()).isZero();
            assertThat(q.out()).contains("\"type\" : \"upload\"").contains("pier.jpg");

            Files.delete(tmp.resolve("hub/blobs/.incoming"));
            CliRun ok = CliRun.of("flush", "--config", config.toString(), "--timeout", "60s");
            assertThat(ok.code()).as(ok.err()).isZero();
        } finally {
            new ProcessBuilder("fusermount", "-u", mnt.toString()).inheritIO().start().waitFor();
        }
        assertThat(mount.get(30, TimeUnit.SECONDS)).isZero();
        assertThat(MountCommand.isMounted(mnt)).isFalse();
    }

    @Test
    void stoppingTheMountSaysWhatIsQueuedAndTheNextStartContinuesIt() throws Exception {
        Path config = config();
        breakBlobStore();
        Path mnt = tmp.resolve("mnt");
        CompletableFuture<CliRun> mount = CompletableFuture.supplyAsync(
                () -> CliRun.of("mount", "--config", config.toString(), mnt.toString()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!MountCommand.isMounted(mnt)) {
            assertThat(System.nanoTime()).as("mounted in time").isLessThan(deadline);
            Thread.sleep(100);
        }
        byte[] photo = new byte[70_000];
        new Random(8).nextBytes(photo);
        Files.write(mnt.resolve("photos").resolve("kept.jpg"), photo);
        new ProcessBuilder("fusermount", "-u", mnt.toString()).inheritIO().start().waitFor();
        CliRun stopped = mount.get(30, TimeUnit.SECONDS);
        assertThat(stopped.code()).isZero();
        assertThat(stopped.err()).contains("1 upload(s)").contains("still queued").contains("next mount");

        Files.delete(tmp.resolve("hub/blobs/.incoming"));
        CliRun flushed = CliRun.of("flush", "--config", config.toString(), "--timeout", "60s");
        assertThat(flushed.code()).as(flushed.err()).isZero();
        try (SyncEngine engine = SyncEngine.open(ConfigLoader.load(config))) {
            BlobRef ref = engine.table("photos").list().get(0).blob("image");
            assertThat(ref.size()).isEqualTo(photo.length);
            assertThat(tmp.resolve("hub/blobs").resolve(ref.sha256().substring(0, 2)).resolve(ref.sha256()))
                    .exists();
        }
    }
}

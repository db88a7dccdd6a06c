package dev.blobsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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

    private record Run(int code, String out, String err) {
    }

    private static synchronized Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private Path config() throws Exception {
        Path config = tmp.resolve("blobsync.yaml");
        assertThat(run("init", "--hub", tmp.resolve("hub").toString(), config.toString()).code()).isZero();
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

        Run q = run("queue", "--config", config.toString());
        assertThat(q.code()).as(q.err()).isZero();
        assertThat(q.out()).contains("1 upload(s)").contains("upload").contains("beach.jpg").contains("insert")
                .contains("photos/queued photo");

        Run stuck = run("flush", "--config", config.toString(), "--timeout", "3s");
        assertThat(stuck.code()).isEqualTo(1);
        assertThat(stuck.err()).contains("could not be synced").contains("beach.jpg");

        Files.delete(tmp.resolve("hub/blobs/.incoming"));
        Run ok = run("flush", "--config", config.toString(), "--timeout", "60s");
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("Everything is synced.");
        assertThat(run("queue", "--config", config.toString()).out()).contains("Nothing queued.");
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
            Run q = run("queue", "--config", config.toString(), "--json");
            assertThat(q.code()).as(q.err()).isZero();
            assertThat(q.out()).contains("\"type\" : \"upload\"").contains("pier.jpg");

            Files.delete(tmp.resolve("hub/blobs/.incoming"));
            Run ok = run("flush", "--config", config.toString(), "--timeout", "60s");
            assertThat(ok.code()).as(ok.err()).isZero();
        } finally {
            new ProcessBuilder("fusermount", "-u", mnt.toString()).inheritIO().start().waitFor();
        }
        assertThat(mount.get(30, TimeUnit.SECONDS)).isZero();
        assertThat(MountCommand.isMounted(mnt)).isFalse();
    }
}

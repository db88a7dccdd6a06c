package dev.blobsync.stress;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing acknowledged is lost: files are copied into the mount with {@code cp} while the mount
 * daemon (a separate process) is killed with SIGKILL at random moments, three times, and
 * restarted. After the last restart and a flush, every file that {@code cp} reported written is
 * on the blob server with its SHA-256 and in a record on the hub; the server received no more
 * bytes than a resuming client sends (no upload restarted from zero); the queue is empty.
 *
 * <p>The daemon runs through {@link MountDaemon}, the harness the storms of {@link StormCrashIT} share.
 *
 * <p>Short form by default (CI): 60 files of 4 KiB to 4 MiB. Long form:
 * {@code -Dcrash.files=500 -Dcrash.maxBytes=20971520}.
 */
class CrashIT {
    private static final int FILES = Integer.getInteger("crash.files", 60);
    private static final int MAX_BYTES = Integer.getInteger("crash.maxBytes", 4 << 20);
    private static final int KILLS = 3;

    @TempDir
    Path tmp;

    @Test
    void everyFileCpReportedWrittenArrivesDespiteThreeKills() throws Exception {
        NewcomerMountIT.requireFuse();
        MountDaemon.requireJar();
        Map<String, byte[]> files = generate();
        try (TusNodeServer server = TusNodeServer.start(tmp.resolve("server"), TusNodeServer.Mode.PLAIN);
             MountDaemon daemon = new MountDaemon(writeConfig(server.port()), tmp.resolve("mnt"),
                     tmp.resolve("daemon.log"))) {
            Path mnt = daemon.mnt();
            daemon.start();

            // The writer copies every file with cp, retrying what a kill cut off; the killer, another
            // thread, SIGKILLs the daemon at random moments while copies and uploads run.
            List<String> names = new ArrayList<>(files.keySet());
            Map<String, Boolean> written = new java.util.concurrent.ConcurrentHashMap<>();
            java.util.concurrent.atomic.AtomicInteger progress = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger failedCopies = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicReference<Throwable> writerError = new java.util.concurrent.atomic.AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    for (String name : names) {
                        while (MountDaemon.cp(tmp.resolve("src").resolve(name), mnt.resolve("photos")).exit() != 0) {
                            // Nothing was acknowledged: wait for the daemon to be back and copy again.
                            failedCopies.incrementAndGet();
                            NewcomerMountIT.eventually(Duration.ofSeconds(60), () -> NewcomerMountIT.isMounted(mnt)
                                    && Files.isDirectory(mnt.resolve("photos")));
                        }
                        written.put(name, true);
                        progress.incrementAndGet();
                    }
                } catch (Throwable t) {
                    writerError.set(t);
                }
            }, "writer");
            writer.start();
            Random rnd = new Random(11);
            int kills = 0;
            for (int k = 1; k <= KILLS; k++) {
                int at = FILES * k / (KILLS + 1) - FILES / 10 + rnd.nextInt(Math.max(1, FILES / 5));
                while (progress.get() < at && writer.isAlive()) {
                    Thread.sleep(2);
                }
                Thread.sleep(rnd.nextInt(40));
                daemon.kill();
                kills++;
                daemon.start();
            }
            writer.join(TimeUnit.MINUTES.toMillis(20));
            assertThat(writerError.get()).isNull();
            assertThat(written).hasSize(FILES);
            assertThat(kills).isEqualTo(KILLS);

            MountDaemon.Result flush = daemon.cli("flush", "--timeout", "5m");
            assertThat(flush.exit()).as(flush.out() + flush.err()).isZero();

            // Every file cp reported written is on the server, byte for byte.
            Set<String> stored = new java.util.TreeSet<>();
            server.stats().path("finished").fieldNames().forEachRemaining(stored::add);
            long storedBytes = 0;
            for (String key : stored) {
                storedBytes += Files.size(server.storedFile(key));
            }
            for (String name : written.keySet()) {
                String sha = NewcomerMountIT.sha256(files.get(name));
                assertThat(stored).as(name + " on the server").contains(sha);
                assertThat(NewcomerMountIT.sha256(Files.readAllBytes(server.storedFile(sha)))).isEqualTo(sha);
            }
            long resumed = java.util.stream.StreamSupport.stream(server.stats().path("heads").spliterator(), false)
                    .filter(h -> h.path("offset").asLong() > 0).count();
            System.out.printf("crash test: %d files (%d bytes stored at the server, %d received), %d kills,"
                    + " %d copies cut by a kill, %d uploads resumed at a non-zero offset, %d daemon starts%n",
                    written.size(), storedBytes, server.bytesReceived(), kills, failedCopies.get(), resumed,
                    daemon.starts());
            // Resumed, never restarted from zero: the server read each stored byte about once.
            assertThat(server.bytesReceived()).as("bytes received at the server vs stored")
                    .isLessThanOrEqualTo(storedBytes + (2L << 20));
            // And every file is a record on the hub, holding that blob.
            Map<String, String> hubImages = hubImagesByTitle(tmp.resolve("hub"));
            for (String name : written.keySet()) {
                String title = name.substring(0, name.lastIndexOf('.'));
                assertThat(hubImages).as("record " + title + " on the hub")
                        .containsEntry(title, NewcomerMountIT.sha256(files.get(name)));
            }
            // No queue entry is left behind.
            assertThat(daemon.queue().path("items")).as("queue after flush").isEmpty();
            daemon.stop();
        }
    }

    private Map<String, byte[]> generate() throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        Random rnd = new Random(3);
        Path src = Files.createDirectories(tmp.resolve("src"));
        double min = Math.log(4096);
        double max = Math.log(MAX_BYTES);
        for (int i = 0; i < FILES; i++) {
            int size = (int) Math.exp(min + rnd.nextDouble() * (max - min));
            byte[] b = new byte[size];
            rnd.nextBytes(b);
            String name = String.format("crash-%03d.jpg", i);
            Files.write(src.resolve(name), b);
            out.put(name, b);
        }
        return out;
    }

    private Path writeConfig(int port) throws IOException {
        String yaml = "data:\n  provider: sqlite\n  config:\n    hub: " + tmp.resolve("hub") + "\n"
                + "blobs:\n  provider: tus\n  config:\n"
                + "    endpoint: http://127.0.0.1:" + port + "/files/\n"
                + "    readUrl: \"http://127.0.0.1:" + port + "/blobs/{sha256}\"\n"
                + "    requestPayloadSize: 256KiB\n"
                + "cache:\n  directory: " + tmp.resolve("cache") + "\n"
                + "offline:\n  uploadDelay: 200ms\n  maxQueueSize: 10GB\n"
                + "  retryStrategy: {maxAttempts: 100, initialDelay: 100ms, maxDelay: 1s}\n"
                + "sync:\n  pollInterval: 500ms\n"
                + "schema:\n  photos:\n    $folderName: \"{title}\"\n    id: uuid\n    title: string\n"
                + "    takenAt: { type: datetime, default: now }\n"
                + "    image: { type: blob, mimeTypes: ['image/*'] }\n";
        return Files.writeString(tmp.resolve("crash.yaml"), yaml);
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
}

package dev.blobsync.stress;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, defect 3: an editor saving {@code image.jpg} 30 times (write a temp file, rename it
 * over the image; sometimes a shell's {@code >} that truncates first) under a small
 * {@code offline.maxQueueSize}. The versions it replaced are no work to do: they do not fill the
 * queue, {@code blobsync queue}, {@code queue.json} and {@code status.json} agree and list only
 * the last version (never the empty blob), a further copy fits, also after a restart, and new
 * files reach the other mount on the same hub promptly.
 */
class EditorStormIT {
    private static final int SAVES = 30;
    private static final int SIZE = 1_500_000;
    private static final String EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void thirtySavesLeaveOneUploadThatCountsAndStarvesNothing() throws Exception {
        NewcomerMountIT.requireFuse();
        MountDaemon.requireJar();
        HubView hub = new HubView(tmp.resolve("hub"));
        Random rnd = new Random(5);
        try (MountDaemon a = new MountDaemon(config("a", "6MB"), tmp.resolve("mnt-a"), tmp.resolve("a.log"));
             MountDaemon b = new MountDaemon(config("b", "1GB"), tmp.resolve("mnt-b"), tmp.resolve("b.log"))) {
            a.start();
            b.start();
            Path seed = write("storm.jpg", bytes(rnd, SIZE));
            assertThat(MountDaemon.cp(seed, a.mnt().resolve("photos")).exit()).isZero();
            Path folder = a.mnt().resolve("photos/storm");
            assertThat(NewcomerMountIT.eventually(Duration.ofSeconds(60),
                    () -> Files.isRegularFile(b.mnt().resolve("photos/storm/image.jpg")))).isTrue();

            // The hub takes no uploads during the storm, so every version waits in the queue.
            blockHub(hub);
            byte[] last = null;
            for (int i = 1; i <= SAVES; i++) {
                last = bytes(rnd, SIZE);
                Path version = write("v" + i + ".jpg", last);
                MountDaemon.Result save = i % 3 == 0
                        ? MountDaemon.run(List.of("sh", "-c", "cat '" + version + "' > '" + folder.resolve("image.jpg")
                                + "'"), Duration.ofMinutes(1))
                        : MountDaemon.run(List.of("sh", "-c", "cp '" + version + "' '" + folder.resolve(".image.jpg.swp")
                                + "' && mv '" + folder.resolve(".image.jpg.swp") + "' '" + folder.resolve("image.jpg")
                                + "'"), Duration.ofMinutes(1));
                assertThat(save.exit()).as("save " + i + ": " + save.err()).isZero();
            }
            assertThat(Files.readAllBytes(folder.resolve("image.jpg"))).isEqualTo(last);
            String lastSha = NewcomerMountIT.sha256(last);
            // The last version and its chunk list: nothing the editor replaced.
            List<String> expected = new ArrayList<>(HubView.storedNamesOf(write("last.jpg", last)));
            assertQueueHoldsExactly(a, expected);

            Path further = write("further.jpg", bytes(rnd, 3_000_000));
            MountDaemon.Result cp = MountDaemon.cp(further, a.mnt().resolve("photos"));
            assertThat(cp.exit()).as("a further copy is not refused for the replaced versions: " + cp.err()).isZero();
            expected.addAll(HubView.storedNamesOf(further));

            a.kill();
            a.start();
            assertQueueHoldsExactly(a, expected);

            // Back online: new files reach the other mount promptly, and the storm's last version too.
            unblockHub(hub);
            List<String> fresh = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Path f = write("fresh-" + i + ".jpg", bytes(rnd, 40_000));
                assertThat(MountDaemon.cp(f, a.mnt().resolve("photos")).exit()).isZero();
                fresh.add("fresh-" + i);
            }
            Path photosB = b.mnt().resolve("photos");
            assertThat(NewcomerMountIT.eventually(Duration.ofSeconds(60), () -> fresh.stream()
                    .allMatch(n -> Files.isRegularFile(photosB.resolve(n).resolve("image.jpg")))))
                    .as("new files reach the other mount").isTrue();
            assertThat(NewcomerMountIT.eventually(Duration.ofSeconds(60), () -> {
                try {
                    return NewcomerMountIT.sha256(Files.readAllBytes(photosB.resolve("storm/image.jpg"))).equals(lastSha);
                } catch (IOException e) {
                    return false;
                }
            })).as("the other mount reads the last save").isTrue();
            assertThat(NewcomerMountIT.eventually(Duration.ofMinutes(1), a::queueEmpty)).isTrue();
            System.out.printf("editor storm: %d saves of %d bytes under maxQueueSize 6MB, all exit 0; queue after:"
                    + " %d uploads listed; 20 new files reached the other mount%n", SAVES, SIZE, expected.size());
            a.stop();
            b.stop();
        }
    }

    /** The CLI, queue.json and status.json agree, and list exactly these uploads: no replaced or empty blob. */
    private static void assertQueueHoldsExactly(MountDaemon a, List<String> expected) throws Exception {
        JsonNode cli = a.queue();
        JsonNode file = JSON.readTree(Files.readAllBytes(a.mnt().resolve(".blobsync/queue.json")));
        JsonNode status = JSON.readTree(Files.readAllBytes(a.mnt().resolve(".blobsync/status.json")));
        for (JsonNode q : List.of(cli, file)) {
            List<JsonNode> uploads = new ArrayList<>();
            q.path("items").forEach(i -> {
                if (i.path("type").asText().equals("upload")) {
                    uploads.add(i);
                }
            });
            assertThat(uploads).as("queued uploads\n" + q.toPrettyString())
                    .noneMatch(i -> i.path("id").asText().equals(EMPTY))
                    .allMatch(i -> !i.path("name").isNull() && !i.path("name").asText().isEmpty());
            assertThat(uploads.stream().map(i -> i.path("id").asText()).toList()).as(q.toPrettyString())
                    .containsExactlyInAnyOrderElementsOf(expected);
            assertThat(q.path("stats").path("uploads").asInt()).as("summary and list agree").isEqualTo(uploads.size());
            assertThat(q.path("stats").path("queuedBytes").asLong()).as("what counts toward maxQueueSize")
                    .isEqualTo(uploads.stream().mapToLong(i -> i.path("size").asLong()).sum());
        }
        assertThat(status.path("queue").path("uploads").asInt()).as(status.toPrettyString())
                .isEqualTo(cli.path("stats").path("uploads").asInt());
    }

    private Path config(String device, String maxQueue) throws IOException {
        String yaml = "data: { provider: sqlite, config: { hub: " + tmp.resolve("hub") + " } }\n"
                + "blobs: { provider: filesystem, config: { hub: " + tmp.resolve("hub") + " } }\n"
                + "cache: { directory: " + tmp.resolve("cache-" + device) + " }\n"
                + "offline: { maxQueueSize: " + maxQueue + ", retryStrategy: { maxAttempts: 100, initialDelay: 200ms,"
                + " maxDelay: 1s } }\n"
                + "sync: { pollInterval: 300ms }\n"
                + "schema:\n  photos:\n    $folderName: \"{title}\"\n    id: uuid\n    title: string\n"
                + "    takenAt: { type: datetime, default: now }\n"
                + "    image: { type: blob, mimeTypes: ['image/*'] }\n";
        return Files.writeString(tmp.resolve(device + ".yaml"), yaml);
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(Files.createDirectories(tmp.resolve("src")).resolve(name), bytes);
    }

    private static byte[] bytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    static void blockHub(HubView hub) throws IOException {
        Path incoming = hub.incoming();
        if (Files.isDirectory(incoming)) {
            try (Stream<Path> s = Files.list(incoming)) {
                for (Path p : s.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(incoming);
        }
        Files.writeString(incoming, "down");
    }

    static void unblockHub(HubView hub) throws IOException {
        Files.delete(hub.incoming());
    }
}

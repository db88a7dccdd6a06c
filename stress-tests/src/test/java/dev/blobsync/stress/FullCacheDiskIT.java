package dev.blobsync.stress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, defect 2: a cache folder on a 64 MiB tmpfs ({@code cache.maxSize: 1GB},
 * {@code minFreeDisk: 1MB}) and ten 10 MiB {@code .jpg} files copied in with {@code cp}, one
 * after another, into the mount daemon run as a user runs it. A copy either arrives whole or
 * fails with ENOSPC and a reason; a failed copy leaves no record, nothing partial or empty on
 * the hub, no staging or upload left-overs (also after a restart); a repeating error does not
 * flood the log; the queue drains by itself once there is room again.
 */
class FullCacheDiskIT {
    private static final int FILES = 10;
    private static final int SIZE = 10 << 20;
    /** Generous bound on log lines: a few per failed copy and per backed-off retry. */
    private static final int MAX_LOG_LINES = 400;

    @TempDir
    Path tmp;

    private HubView hub;
    private Path cache;

    @BeforeEach
    void setUp() {
        NewcomerMountIT.requireFuse();
        MountDaemon.requireJar();
        hub = new HubView(tmp.resolve("hub"));
        cache = tmp.resolve("cache");
    }

    @Test
    void tenPhotosIntoA64MiBCacheEachArriveWholeOrFailWithEnospcAndLeaveNothingBehind() throws Exception {
        Map<String, Path> files = photos("p", 1);
        try (Tmpfs disk = Tmpfs.mount(cache, "64m");
             MountDaemon daemon = new MountDaemon(config(), tmp.resolve("mnt"), tmp.resolve("daemon.log"))) {
            daemon.start();
            Map<String, MountDaemon.Result> copies = copyAll(files, daemon.mnt().resolve("photos"));
            assertFailuresSayEnospc(copies, daemon);

            assertThat(NewcomerMountIT.eventually(Duration.ofMinutes(2), daemon::queueEmpty))
                    .as("the queue drains with no user action\n" + daemon.queue()).isTrue();
            Set<String> acked = acked(copies);
            report("issue's copy storm", copies, daemon);
            assertHubHoldsExactly(files, acked);
            assertNoLeftOvers();
            assertLogIsSmall(daemon);

            daemon.kill();
            daemon.start();
            assertNoLeftOvers();
            assertHubHoldsExactly(files, acked);
            daemon.stop();
        }
    }

    @Test
    void aFullCacheWhileTheHubIsUnreachableRefusesCopiesWithEnospcAndDrainsOnceTheHubIsBack() throws Exception {
        Map<String, Path> files = photos("q", 2);
        try (Tmpfs disk = Tmpfs.mount(cache, "64m");
             MountDaemon daemon = new MountDaemon(config(), tmp.resolve("mnt"), tmp.resolve("daemon.log"))) {
            daemon.start();
            blockHub();
            Map<String, MountDaemon.Result> copies = copyAll(files, daemon.mnt().resolve("photos"));
            Set<String> acked = acked(copies);
            report("copies while the hub is away", copies, daemon);
            assertThat(acked).as("some copies fit while the uploads wait").isNotEmpty();
            assertThat(acked).as("the cache disk fills up: some copies are refused").hasSizeLessThan(FILES);
            assertFailuresSayEnospc(copies, daemon);
            assertNoLeftOvers();
            assertThat(hub.records("photos")).as("nothing reaches the unreachable hub").isEmpty();

            // The uploads keep failing while the hub is away: they back off, and the log stays small.
            Thread.sleep(8_000);
            assertLogIsSmall(daemon);

            daemon.kill();
            daemon.start();
            assertNoLeftOvers();

            unblockHub();
            assertThat(NewcomerMountIT.eventually(Duration.ofMinutes(2), daemon::queueEmpty))
                    .as("the queue drains with no user action once the hub is back\n" + daemon.queue()).isTrue();
            assertHubHoldsExactly(files, acked);

            // There is room again (uploaded blobs may leave the cache): the refused copies now go through.
            Map<String, Path> refused = new LinkedHashMap<>(files);
            refused.keySet().removeAll(acked);
            Map<String, MountDaemon.Result> again = copyAll(refused, daemon.mnt().resolve("photos"));
            assertThat(again.values()).as("copies after the queue drained").allSatisfy(r ->
                    assertThat(r.exit()).as(r.err()).isZero());
            assertThat(NewcomerMountIT.eventually(Duration.ofMinutes(2), daemon::queueEmpty)).isTrue();
            assertHubHoldsExactly(files, files.keySet());
            assertNoLeftOvers();
            assertLogIsSmall(daemon);
            report("refused copies again, once drained", again, daemon);
            daemon.stop();
        }
    }

    private Map<String, Path> photos(String prefix, long seed) throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Random rnd = new Random(seed);
        Map<String, Path> out = new LinkedHashMap<>();
        byte[] b = new byte[SIZE];
        for (int i = 1; i <= FILES; i++) {
            rnd.nextBytes(b);
            String name = prefix + i + ".jpg";
            out.put(name, Files.write(src.resolve(name), b));
        }
        return out;
    }

    private Path config() throws IOException {
        String yaml = "data: { provider: sqlite, config: { hub: " + tmp.resolve("hub") + " } }\n"
                + "blobs: { provider: filesystem, config: { hub: " + tmp.resolve("hub") + " } }\n"
                + "cache: { directory: " + cache + ", maxSize: 1GB, minFreeDisk: 1MB }\n"
                + "offline: { retryStrategy: { maxAttempts: 100, initialDelay: 200ms, maxDelay: 2s } }\n"
                + "sync: { pollInterval: 500ms }\n"
                + "schema:\n  photos:\n    $folderName: \"{title}\"\n    id: uuid\n    title: string\n"
                + "    takenAt: { type: datetime, default: now }\n"
                + "    image: { type: blob, mimeTypes: ['image/*'] }\n";
        return Files.writeString(tmp.resolve("disk.yaml"), yaml);
    }

    private static Map<String, MountDaemon.Result> copyAll(Map<String, Path> files, Path dir) throws Exception {
        Map<String, MountDaemon.Result> out = new LinkedHashMap<>();
        for (Map.Entry<String, Path> f : files.entrySet()) {
            out.put(f.getKey(), MountDaemon.cp(f.getValue(), dir));
        }
        return out;
    }

    private static void report(String what, Map<String, MountDaemon.Result> copies, MountDaemon daemon)
            throws IOException {
        long ok = copies.values().stream().filter(r -> r.exit() == 0).count();
        long enospc = copies.values().stream().filter(r -> r.err().contains("No space left on device")).count();
        long eio = copies.values().stream().filter(r -> r.err().contains("Input/output error")).count();
        System.out.printf("full cache disk, %s: %d copies, %d exit 0, %d ENOSPC, %d EIO; log %d lines, %d bytes%n",
                what, copies.size(), ok, enospc, eio, daemon.log().lines().count(), daemon.logBytes());
    }

    private static Set<String> acked(Map<String, MountDaemon.Result> copies) {
        Set<String> out = new HashSet<>();
        copies.forEach((name, r) -> {
            if (r.exit() == 0) {
                out.add(name);
            }
        });
        return out;
    }

    /** Every failed copy got ENOSPC (never EIO), and the log says why, naming the file. */
    private static void assertFailuresSayEnospc(Map<String, MountDaemon.Result> copies, MountDaemon daemon) {
        String log = daemon.log();
        copies.forEach((name, r) -> {
            if (r.exit() == 0) {
                return;
            }
            assertThat(r.err()).as("cp of " + name).contains("No space left on device")
                    .doesNotContain("Input/output error");
            List<String> lines = log.lines().filter(l -> l.contains("/photos/" + name)).toList();
            // The daemon's output tells the user at once (the developer log has the errno).
            assertThat(lines).as("the daemon says why " + name + " was refused")
                    .anyMatch(l -> l.contains("No space left on device"));
            assertThat(lines).as(name).noneMatch(l -> l.contains("Input/output error"));
            assertThat(lines).as("a reason in words, not an exception").allMatch(l -> !l.contains("Exception"));
        });
    }

    /** The hub holds one record per acknowledged copy, with its bytes, and nothing else. */
    private void assertHubHoldsExactly(Map<String, Path> files, Set<String> acked) throws Exception {
        Map<String, List<String>> images = hub.imagesByTitle("photos");
        Set<String> allowedBlobs = new HashSet<>();
        for (Map.Entry<String, Path> f : files.entrySet()) {
            String title = f.getKey().substring(0, f.getKey().lastIndexOf('.'));
            if (acked.contains(f.getKey())) {
                List<String> names = HubView.storedNamesOf(f.getValue());
                allowedBlobs.addAll(names);
                assertThat(images.get(title)).as("record " + title + " on the hub").containsExactly(names.get(0));
            } else {
                assertThat(images).as("a refused copy makes no record").doesNotContainKey(title);
            }
        }
        assertThat(images).hasSize(acked.size());
        for (Map.Entry<String, Path> b : hub.blobFiles().entrySet()) {
            assertThat(Files.size(b.getValue())).as("no empty blob on the hub").isPositive();
            assertThat(dev.blobsync.engine.internal.Hashing.sha256(b.getValue())).as("no partial blob on the hub")
                    .isEqualTo(b.getKey());
            assertThat(allowedBlobs).as("only acknowledged bytes reach the hub").contains(b.getKey());
        }
        assertThat(hub.incomingParts()).as("no upload session left in the hub's .incoming").isEmpty();
    }

    /** No staging or download left-overs; the kernel's release of a closed file follows close() shortly. */
    private void assertNoLeftOvers() throws Exception {
        for (String dir : List.of("staging", "downloads")) {
            Path d = cache.resolve(dir);
            NewcomerMountIT.eventually(Duration.ofSeconds(10), () -> names(d).isEmpty());
            assertThat(names(d)).as("left-overs in the cache's " + dir).isEmpty();
        }
    }

    private static void assertLogIsSmall(MountDaemon daemon) throws IOException {
        List<String> lines = daemon.log().lines().toList();
        assertThat(lines.size()).as("log lines:\n" + String.join("\n", lines.subList(0, Math.min(60, lines.size()))))
                .isLessThan(MAX_LOG_LINES);
        assertThat(daemon.logBytes()).isLessThan(256 * 1024);
    }

    private void blockHub() throws IOException {
        // The hub's blob folder cannot take uploads: its upload folder is a file now.
        Path incoming = hub.incoming();
        try (Stream<Path> s = Files.list(incoming)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(incoming);
        Files.writeString(incoming, "down");
    }

    private void unblockHub() throws IOException {
        Files.delete(hub.incoming());
    }

    static List<String> names(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return new ArrayList<>(s.map(p -> p.getFileName().toString()).toList());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}

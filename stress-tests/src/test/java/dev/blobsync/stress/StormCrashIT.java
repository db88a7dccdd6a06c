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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash test's storms (issue 9): the mount daemon, a separate process, is SIGKILLed at
 * random moments while
 * <ul>
 *   <li>{@code cp} fills a cache folder on a 64 MiB tmpfs faster than uploads drain it, so the
 *       cache disk is full again and again, and
 *   <li>an editor saves {@code image.jpg} over and over (temp file, then rename) under a small
 *       {@code offline.maxQueueSize}.
 * </ul>
 * Afterwards, with no user action: everything a {@code cp} or save acknowledged (exit 0) is on
 * the hub, bytes equal; nothing partial, empty or unacknowledged is; no upload session or staging
 * file is left over; the queue is empty; the log stays small.
 *
 * <p>Short form by default (CI). Long form: {@code -Dstorm.files=200 -Dstorm.maxBytes=20971520
 * -Dstorm.saves=300}.
 */
class StormCrashIT {
    private static final int FILES = Integer.getInteger("storm.files", 24);
    private static final int MAX_BYTES = Integer.getInteger("storm.maxBytes", 12 << 20);
    private static final int SAVES = Integer.getInteger("storm.saves", 30);
    private static final int KILLS = 3;
    private static final Duration DRAIN = Duration.ofMinutes(3);

    @TempDir
    Path tmp;

    @Test
    void aFullCacheDiskDuringACopyStormLosesNothingAcknowledgedDespiteKills() throws Exception {
        NewcomerMountIT.requireFuse();
        MountDaemon.requireJar();
        Map<String, Path> files = generate();
        HubView hub = new HubView(tmp.resolve("hub"));
        Path cache = tmp.resolve("cache");
        try (Tmpfs disk = Tmpfs.mount(cache, "64m");
             MountDaemon daemon = new MountDaemon(config(cache, "1GB", "30s"), tmp.resolve("mnt"),
                     tmp.resolve("daemon.log"))) {
            daemon.start();
            Set<String> acked = ConcurrentHashMap.newKeySet();
            AtomicInteger refused = new AtomicInteger();
            AtomicInteger cut = new AtomicInteger();
            List<String> eio = new java.util.concurrent.CopyOnWriteArrayList<>();
            AtomicInteger progress = new AtomicInteger();
            Thread writer = writer(() -> {
                for (Map.Entry<String, Path> f : files.entrySet()) {
                    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                    while (true) {
                        MountDaemon.Result r = MountDaemon.cp(f.getValue(), daemon.mnt().resolve("photos"));
                        if (r.exit() == 0) {
                            acked.add(f.getKey());
                            break;
                        }
                        assertThat(System.nanoTime()).as("copy of " + f.getKey() + " keeps failing: " + r.err())
                                .isLessThan(deadline);
                        if (r.err().contains("No space left on device")) {
                            refused.incrementAndGet();
                            Thread.sleep(300); // room comes back as the uploads drain
                        } else if (r.err().contains("Input/output error")) {
                            eio.add(f.getKey() + ": " + r.err());
                            awaitMounted(daemon);
                        } else {
                            // Cut by a kill (the connection aborted, the mount gone): copy again.
                            cut.incrementAndGet();
                            awaitMounted(daemon);
                        }
                    }
                    progress.incrementAndGet();
                }
            });
            killDuring(daemon, writer, progress, FILES);

            assertThat(NewcomerMountIT.eventually(DRAIN, daemon::queueEmpty)).as("drains by itself").isTrue();
            daemon.kill();
            daemon.start();
            System.out.printf("full-disk storm: %d files (%d acknowledged), %d copies refused with ENOSPC,"
                    + " %d cut by a kill, %d kills, %d daemon starts, log %d lines%n", files.size(), acked.size(),
                    refused.get(), cut.get(), KILLS, daemon.starts(), daemon.log().lines().count());
            assertThat(acked).hasSize(files.size());
            assertThat(refused.get()).as("the cache disk filled up during the storm").isPositive();
            assertThat(eio).as("copies that failed with EIO while the daemon ran").isEmpty();

            Map<String, List<String>> images = hub.imagesByTitle("photos");
            Set<String> allowed = new HashSet<>();
            for (Map.Entry<String, Path> f : files.entrySet()) {
                List<String> names = HubView.storedNamesOf(f.getValue());
                allowed.addAll(names);
                String title = f.getKey().substring(0, f.getKey().lastIndexOf('.'));
                // A copy cut by a kill after its record committed may be copied again: both records
                // then hold the whole file.
                assertThat(images.get(title)).as("record " + title).isNotEmpty().containsOnly(names.get(0));
            }
            assertThat(images.keySet()).hasSize(files.size());
            assertHubBlobsAreWholeAndKnown(hub, allowed);
            assertNoLeftOvers(cache);
            assertThat(daemon.logBytes()).as("the log stays small").isLessThan(1L << 20);
            daemon.stop();
        }
    }

    @Test
    void anEditorStormUnderASmallQueueLosesNoAcknowledgedSaveDespiteKills() throws Exception {
        NewcomerMountIT.requireFuse();
        MountDaemon.requireJar();
        HubView hub = new HubView(tmp.resolve("hub"));
        Path cache = tmp.resolve("cache");
        Random rnd = new Random(21);
        Path src = Files.createDirectories(tmp.resolve("src"));
        List<Path> versions = new ArrayList<>();
        for (int i = 0; i <= SAVES; i++) {
            byte[] b = new byte[1_500_000];
            rnd.nextBytes(b);
            versions.add(Files.write(src.resolve("v" + i + ".jpg"), b));
        }
        try (MountDaemon daemon = new MountDaemon(config(cache, "6MB", "1s"), tmp.resolve("mnt"),
                tmp.resolve("daemon.log"))) {
            daemon.start();
            Files.copy(versions.get(0), src.resolve("storm.jpg"));
            assertThat(MountDaemon.cp(src.resolve("storm.jpg"), daemon.mnt().resolve("photos")).exit()).isZero();
            Path folder = daemon.mnt().resolve("photos/storm");
            List<Integer> acked = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<String> refused = new java.util.concurrent.CopyOnWriteArrayList<>();
            AtomicInteger cut = new AtomicInteger();
            AtomicInteger progress = new AtomicInteger();
            Thread editor = writer(() -> {
                for (int i = 1; i <= SAVES; i++) {
                    while (true) {
                        Path tmpFile = folder.resolve(".image.jpg.swp");
                        MountDaemon.Result r = MountDaemon.run(List.of("sh", "-c", "cp '" + versions.get(i) + "' '"
                                + tmpFile + "' && mv '" + tmpFile + "' '" + folder.resolve("image.jpg") + "'"),
                                Duration.ofMinutes(2));
                        if (r.exit() == 0) {
                            acked.add(i);
                            break;
                        }
                        if (r.err().contains("No space left on device")) {
                            refused.add("save " + i + ": " + r.err());
                            Thread.sleep(200);
                        } else {
                            // Cut by a kill (the connection aborted, the mount gone): save again.
                            cut.incrementAndGet();
                            awaitMounted(daemon);
                        }
                    }
                    progress.incrementAndGet();
                }
            });
            killDuring(daemon, editor, progress, SAVES);

            String last = NewcomerMountIT.sha256(Files.readAllBytes(versions.get(SAVES)));
            assertThat(NewcomerMountIT.eventually(DRAIN, () -> daemon.queueEmpty() && lastOnHub(hub, last)))
                    .as("the last save reaches the hub by itself\n" + daemon.queue()).isTrue();
            daemon.kill();
            daemon.start();
            System.out.printf("editor storm: %d saves acknowledged, %d refused, %d cut by a kill, %d kills,"
                    + " %d daemon starts, log %d lines%n", acked.size(), refused.size(), cut.get(), KILLS,
                    daemon.starts(), daemon.log().lines().count());
            assertThat(refused).as("no save is refused for the versions it replaced").isEmpty();
            assertThat(acked).hasSize(SAVES);
            assertThat(hub.imagesByTitle("photos").get("storm")).containsExactly(last);
            Set<String> allowed = new HashSet<>();
            for (Path v : versions) {
                allowed.addAll(HubView.storedNamesOf(v));
            }
            assertHubBlobsAreWholeAndKnown(hub, allowed);
            assertNoLeftOvers(cache);
            assertThat(daemon.queueEmpty()).isTrue();
            assertThat(daemon.logBytes()).as("the log stays small").isLessThan(1L << 20);
            daemon.stop();
        }
    }

    private interface Body {
        void run() throws Exception;
    }

    private static Thread writer(Body body) {
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                error.set(e);
            }
        }, "storm") {
            @Override
            public String toString() {
                Throwable e = error.get();
                return e == null ? "ok" : e.toString();
            }
        };
        t.setUncaughtExceptionHandler((th, e) -> error.set(e));
        t.start();
        return t;
    }

    /** SIGKILLs the daemon {@link #KILLS} times while {@code storm} runs, restarting it each time. */
    private static void killDuring(MountDaemon daemon, Thread storm, AtomicInteger progress, int total)
            throws Exception {
        Random rnd = new Random(13);
        for (int k = 1; k <= KILLS; k++) {
            int at = total * k / (KILLS + 1) - total / 10 + rnd.nextInt(Math.max(1, total / 5));
            while (progress.get() < at && storm.isAlive()) {
                Thread.sleep(2);
            }
            Thread.sleep(rnd.nextInt(150));
            daemon.kill();
            daemon.start();
        }
        storm.join(TimeUnit.MINUTES.toMillis(30));
        assertThat(storm.isAlive()).isFalse();
        assertThat(storm.toString()).as("the storm ran through").isEqualTo("ok");
    }

    private static void awaitMounted(MountDaemon daemon) throws InterruptedException {
        Thread.sleep(200);
        NewcomerMountIT.eventually(Duration.ofSeconds(90), () -> daemon.alive()
                && NewcomerMountIT.isMounted(daemon.mnt()) && Files.isDirectory(daemon.mnt().resolve("photos")));
    }

    private static boolean lastOnHub(HubView hub, String sha) {
        try {
            return List.of(sha).equals(hub.imagesByTitle("photos").get("storm"));
        } catch (Exception e) {
            return false;
        }
    }

    private static void assertHubBlobsAreWholeAndKnown(HubView hub, Set<String> allowed) throws IOException {
        for (Map.Entry<String, Path> b : hub.blobFiles().entrySet()) {
            assertThat(Files.size(b.getValue())).as("no empty blob on the hub").isPositive();
            assertThat(dev.blobsync.engine.internal.Hashing.sha256(b.getValue())).as("no partial blob on the hub")
                    .isEqualTo(b.getKey());
            assertThat(allowed).as("only what a copy or save wrote reaches the hub").contains(b.getKey());
        }
        assertThat(hub.incomingParts()).as("no upload session left in the hub's .incoming").isEmpty();
    }

    private static void assertNoLeftOvers(Path cache) throws IOException {
        for (String dir : List.of("staging", "downloads")) {
            try (Stream<Path> s = Files.list(cache.resolve(dir))) {
                assertThat(s.toList()).as("left-overs in the cache's " + dir).isEmpty();
            }
        }
    }

    private Map<String, Path> generate() throws IOException {
        Map<String, Path> out = new LinkedHashMap<>();
        Random rnd = new Random(4);
        Path src = Files.createDirectories(tmp.resolve("src"));
        double min = Math.log(1 << 20);
        double max = Math.log(MAX_BYTES);
        for (int i = 0; i < FILES; i++) {
            byte[] b = new byte[(int) Math.exp(min + rnd.nextDouble() * (max - min))];
            rnd.nextBytes(b);
            String name = String.format("storm-%03d.jpg", i);
            out.put(name, Files.write(src.resolve(name), b));
        }
        return out;
    }

    private Path config(Path cache, String maxQueue, String uploadDelay) throws IOException {
        String yaml = "data: { provider: sqlite, config: { hub: " + tmp.resolve("hub") + " } }\n"
                + "blobs: { provider: filesystem, config: { hub: " + tmp.resolve("hub") + " } }\n"
                + "cache: { directory: " + cache + ", maxSize: 1GB, minFreeDisk: 1MB }\n"
                + "offline: { maxQueueSize: " + maxQueue + ", uploadDelay: " + uploadDelay + ","
                + " retryStrategy: { maxAttempts: 100, initialDelay: 200ms, maxDelay: 2s } }\n"
                + "sync: { pollInterval: 500ms }\n"
                + "schema:\n  photos:\n    $folderName: \"{title}\"\n    id: uuid\n    title: string\n"
                + "    takenAt: { type: datetime, default: now }\n"
                + "    image: { type: blob, mimeTypes: ['image/*'] }\n";
        return Files.writeString(tmp.resolve("storm.yaml"), yaml);
    }
}

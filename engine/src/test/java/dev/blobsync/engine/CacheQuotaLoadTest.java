package dev.blobsync.engine;

import static dev.blobsync.engine.testing.EngineFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.config.EngineConfig;
import dev.blobsync.engine.testing.EngineFixture;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quota under load: a 50 MiB cache driven by 200 blobs under concurrent random reads and pins.
 * It never holds more than maxSize plus the largest blob, never evicts a pinned, dirty or open
 * blob, and evicted blobs read back byte for byte.
 */
class CacheQuotaLoadTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final long MAX = 50L << 20;
    private static final int LARGEST = 1_500_000;

    @TempDir
    Path tmp;

    @Test
    void fiftyMibCacheUnderRandomReadsAndPinsKeepsItsPromises() throws Exception {
        EngineFixture fixture = new EngineFixture(tmp);
        String offline = "  retryStrategy: {maxAttempts: 50, initialDelay: 100ms, maxDelay: 500ms}\n"
                + "  uploadDelay: 50ms\n  maxQueueSize: 4GB\n";
        Random rnd = new Random(7);
        List<Record> records = new ArrayList<>();
        Map<String, Path> sources = new HashMap<>();
        try (SyncEngine a = SyncEngine.open(ConfigLoader.load(fixture.config("a", "200ms", offline)))) {
            for (int i = 0; i < 200; i++) {
                int size = 100_000 + rnd.nextInt(LARGEST - 100_000);
                byte[] b = new byte[size];
                rnd.nextBytes(b);
                Path p = tmp.resolve("src-" + i + ".jpg");
                Files.write(p, b);
                Record r = a.table("photos").insert(Map.of("title", "load " + i, "takenAt", "2026-01-01T00:00:00Z",
                        "familyId", "7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01", "image", p));
                records.add(r);
                sources.put(r.blob("image").sha256(), p);
            }
            assertThat(a.flush(WAIT)).isTrue();
        }

        EngineConfig cfg = ConfigLoader.load(fixture.config("b", "200ms", offline,
                "  maxSize: " + MAX + "\n  minFreeDisk: 0\n"));
        try (TestEngines.Counted counted = TestEngines.openCounted(cfg)) {
            SyncEngine b = counted.engine();
            assertThat(eventually(WAIT, () -> b.table("photos").list().size() == 200)).isTrue();

            // Pinned: ten records, fetched in full and never evicted.
            List<Record> pinned = records.subList(0, 10);
            for (Record r : pinned) {
                b.cache().setPriority(r.id(), Priority.HIGH);
            }
            assertThat(eventually(WAIT, () -> pinned.stream()
                    .allMatch(r -> b.blobState(r.blob("image")) == BlobState.CACHED))).isTrue();

            // Dirty: written here while the store refuses uploads.
            counted.provider().uploadsFail.set(true);
            List<BlobRef> dirty = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                byte[] d = new byte[LARGEST];
                rnd.nextBytes(d);
                Path p = tmp.resolve("dirty-" + i + ".jpg");
                Files.write(p, d);
                dirty.add(b.table("photos").insert(Map.of("title", "dirty " + i, "takenAt", "2026-01-02T00:00:00Z",
                        "familyId", "7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01", "image", p)).blob("image"));
            }

            // Open: three readers kept open during the whole run.
            List<BlobReader> openReaders = new ArrayList<>();
            List<BlobRef> openRefs = List.of(records.get(20).blob("image"), records.get(21).blob("image"),
                    records.get(22).blob("image"));
            for (BlobRef ref : openRefs) {
                BlobReader r = b.openBlob(ref);
                r.read(ByteBuffer.allocate(10), 0);
                openReaders.add(r);
            }

            AtomicLong worst = new AtomicLong();
            AtomicBoolean running = new AtomicBoolean(true);
            Thread monitor = new Thread(() -> {
                while (running.get()) {
                    worst.accumulateAndGet(b.cache().stats().used(), Math::max);
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            monitor.start();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<Integer>> readers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long seed = 100 + t;
                readers.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    int checked = 0;
                    for (int i = 0; i < 150; i++) {
                        Record rec = records.get(10 + r.nextInt(190));
                        BlobRef ref = rec.blob("image");
                        long pos = r.nextInt((int) ref.size());
                        int len = (int) Math.min(200_000, ref.size() - pos);
                        byte[] got = read(b, ref, pos, len);
                        assertThat(got).isEqualTo(slice(sources.get(ref.sha256()), pos, len));
                        checked++;
                        if (i % 50 == 0) {
                            b.cache().setPriority(rec.id(), i % 100 == 0 ? Priority.LOW : Priority.NORMAL);
                        }
                    }
                    return checked;
                }));
            }
            for (Future<Integer> f : readers) {
                assertThat(f.get(5, TimeUnit.MINUTES)).isEqualTo(150);
            }
            pool.shutdown();
            running.set(false);
            monitor.join();

            assertThat(worst.get()).as("cache usage never passed maxSize plus the largest blob")
                    .isLessThanOrEqualTo(MAX + LARGEST);
            assertThat(counted.provider().bytesRead.get()).as("evictions happened: more was read than fits")
                    .isGreaterThan(MAX);
            for (Record r : pinned) {
                assertThat(b.blobState(r.blob("image"))).as("pinned stays cached").isEqualTo(BlobState.CACHED);
            }
            for (BlobRef ref : dirty) {
                assertThat(b.blobState(ref)).as("dirty stays").isIn(BlobState.QUEUED, BlobState.ERROR,
                        BlobState.UPLOADING);
                assertThat(Files.exists(cfg.cache().directory().resolve("blobs").resolve(ref.sha256().substring(0, 2))
                        .resolve(ref.sha256()))).isTrue();
            }
            for (int i = 0; i < openReaders.size(); i++) {
                ByteBuffer buf = ByteBuffer.allocate(1000);
                openReaders.get(i).read(buf, 0);
                assertThat(Arrays.copyOf(buf.array(), 1000))
                        .isEqualTo(slice(sources.get(openRefs.get(i).sha256()), 0, 1000));
                assertThat(b.blobState(openRefs.get(i))).as("open stays").isIn(BlobState.CACHED, BlobState.PARTIAL);
                openReaders.get(i).close();
            }
            counted.provider().uploadsFail.set(false);
            assertThat(b.flush(WAIT)).as("the dirty blobs still upload").isTrue();
        }
    }

    private static byte[] read(SyncEngine e, BlobRef ref, long pos, int len) throws IOException {
        try (BlobReader r = e.openBlob(ref)) {
            ByteBuffer buf = ByteBuffer.allocate(len);
            while (buf.hasRemaining()) {
                if (r.read(buf, pos + buf.position()) < 0) {
                    break;
                }
            }
            return buf.array();
        }
    }

    private static byte[] slice(Path file, long pos, int len) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] b = new byte[len];
            f.seek(pos);
            f.readFully(b);
            return b;
        }
    }
}

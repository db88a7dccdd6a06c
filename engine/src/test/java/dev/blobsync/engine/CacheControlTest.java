package dev.blobsync.engine;

import static dev.blobsync.engine.testing.EngineFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.config.EngineConfig;
import dev.blobsync.engine.testing.EngineFixture;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The RFC's cache operations (prefetch, evict, clear), the fifo policy, and one download per range. */
class CacheControlTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String OFFLINE = "  uploadDelay: 50ms\n  maxQueueSize: 4GB\n";

    @TempDir
    Path tmp;
    EngineFixture fixture;
    List<Record> records;

    @BeforeEach
    void publish() throws Exception {
        fixture = new EngineFixture(tmp);
        records = new ArrayList<>();
        try (SyncEngine a = SyncEngine.open(ConfigLoader.load(fixture.config("a", "200ms", OFFLINE)))) {
            for (int i = 0; i < 4; i++) {
                byte[] b = new byte[i == 3 ? 8 << 20 : 1_000_000];
                new Random(i).nextBytes(b);
                Path p = tmp.resolve("c" + i + ".jpg");
                Files.write(p, b);
                records.add(a.table("photos").insert(Map.of("title", "c" + i, "takenAt", "2026-02-0" + (i + 1)
                        + "T00:00:00Z", "familyId", "7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01", "image", p)));
            }
            assertThat(a.flush(WAIT)).isTrue();
        }
    }

    private EngineConfig device(String cacheKeys) {
        return ConfigLoader.load(fixture.config("b", "200ms", OFFLINE, cacheKeys));
    }

    private static void readSome(SyncEngine e, BlobRef ref) throws Exception {
        try (BlobReader r = e.openBlob(ref)) {
            r.read(ByteBuffer.allocate(10), 0);
        }
    }

    @Test
    void prefetchFetchesRecordsBlobsAndClearRemovesAllButPins() throws Exception {
        try (SyncEngine b = SyncEngine.open(device(""))) {
            assertThat(eventually(WAIT, () -> b.table("photos").list().size() == 4)).isTrue();
            b.cache().prefetch(List.of(records.get(0).id(), records.get(1).id())).get(30, TimeUnit.SECONDS);
            assertThat(b.blobState(records.get(0).blob("image"))).isEqualTo(BlobState.CACHED);
            assertThat(b.blobState(records.get(1).blob("image"))).isEqualTo(BlobState.CACHED);
            assertThat(b.blobState(records.get(2).blob("image"))).isEqualTo(BlobState.REMOTE);

            b.cache().setPriority(records.get(1).id(), Priority.HIGH);
            b.cache().clear();
            assertThat(b.blobState(records.get(0).blob("image"))).isEqualTo(BlobState.REMOTE);
            assertThat(b.blobState(records.get(1).blob("image"))).as("pinned stays").isEqualTo(BlobState.CACHED);
        }
    }

    @Test
    void fifoEvictsTheOldestCachedBlobEvenWhenItWasReadLast() throws Exception {
        try (SyncEngine b = SyncEngine.open(device("  maxSize: 2500KB\n  minFreeDisk: 0\n  eviction: fifo\n"))) {
            assertThat(eventually(WAIT, () -> b.table("photos").list().size() == 4)).isTrue();
            readSome(b, records.get(0).blob("image"));
            Thread.sleep(5);
            readSome(b, records.get(1).blob("image"));
            Thread.sleep(5);
            readSome(b, records.get(0).blob("image")); // recently used, but cached first
            readSome(b, records.get(2).blob("image"));
            assertThat(b.blobState(records.get(0).blob("image"))).isEqualTo(BlobState.REMOTE);
            assertThat(b.blobState(records.get(1).blob("image"))).isEqualTo(BlobState.CACHED);
            assertThat(b.blobState(records.get(2).blob("image"))).isEqualTo(BlobState.CACHED);
        }
    }

    @Test
    void concurrentReadersOfAnUncachedBlobShareOneDownload() throws Exception {
        try (TestEngines.Counted b = TestEngines.openCounted(device(""))) {
            assertThat(eventually(WAIT, () -> b.engine().table("photos").list().size() == 4)).isTrue();
            BlobRef big = records.get(3).blob("image");
            ExecutorService pool = Executors.newFixedThreadPool(6);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<byte[]>> reads = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                reads.add(pool.submit(() -> {
                    start.await();
                    try (BlobReader r = b.engine().openBlob(big)) {
                        ByteBuffer buf = ByteBuffer.allocate(100_000);
                        r.read(buf, 3L << 20);
                        return buf.array();
                    }
                }));
            }
            start.countDown();
            byte[] first = reads.get(0).get(30, TimeUnit.SECONDS);
            for (Future<byte[]> f : reads) {
                assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(first);
            }
            pool.shutdown();
            // The chunk list once, the one chunk they all read once (plus read-ahead of later chunks).
            assertThat(b.provider().bytesRead.get()).as("bytes fetched for six readers of one chunk")
                    .isLessThan(3L << 20);
        }
    }
}

package dev.blobsync.engine;

import static dev.blobsync.engine.testing.EngineFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.config.EngineConfig;
import dev.blobsync.engine.event.CacheEviction;
import dev.blobsync.engine.event.CacheWarning;
import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.testing.EngineFixture;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobCacheTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String FAST_OFFLINE = "  retryStrategy: {maxAttempts: 50, initialDelay: 100ms, maxDelay: 500ms}\n"
            + "  uploadDelay: 50ms\n  maxQueueSize: 4GB\n";

    @TempDir
    Path tmp;
    EngineFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = new EngineFixture(tmp);
    }

    private EngineConfig config(String name, String cacheKeys) {
        return ConfigLoader.load(fixture.config(name, "200ms", FAST_OFFLINE, cacheKeys));
    }

    /** A file of {@code size} bytes, sparse except for random bytes around {@code dataAt}. */
    private Path sparseJpeg(String name, long size, long dataAt, long seed) throws IOException {
        Path p = tmp.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
            byte[] b = new byte[4 << 20];
            new Random(seed).nextBytes(b);
            f.seek(Math.min(dataAt, size - b.length));
            f.write(b);
        }
        return p;
    }

    private static byte[] read(SyncEngine e, BlobRef ref, long pos, int len) throws IOException {
        try (BlobReader r = e.openBlob(ref)) {
            ByteBuffer buf = ByteBuffer.allocate(len);
            while (buf.hasRemaining()) {
                int n = r.read(buf, pos + buf.position());
                if (n < 0) {
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

    private Path hubFile(String sha) {
        return fixture.hub().resolve("blobs").resolve(sha.substring(0, 2)).resolve(sha);
    }

    /** Writes a record with a blob on device "a" and waits until it is uploaded. */
    private Record publish(Path image) {
        try (SyncEngine a = SyncEngine.open(config("a", ""))) {
            Record r = a.table("photos").insert(EngineFixture.photo(image.getFileName().toString(), image));
            assertThat(a.flush(WAIT)).isTrue();
            return r;
        }
    }

    @Test
    void readingSixtyFourKibAtNineHundredMibOfAnUncachedGibBlobMovesLessThanEightMib() throws Exception {
        long gib = 1L << 30;
        long at = 900L << 20;
        Path image = sparseJpeg("big.jpg", gib, at, 1);
        byte[] expected = slice(image, at, 64 << 10);
        Record r = publish(image);
        assertThat(r.blob("image").chunks()).as("a large blob has a chunk manifest").isNotNull();

        try (TestEngines.Counted b = TestEngines.openCounted(config("b", ""))) {
            assertThat(eventually(WAIT, () -> b.engine().table("photos").get(r.id()).isPresent())).isTrue();
            BlobRef ref = b.engine().table("photos").get(r.id()).orElseThrow().blob("image");
            assertThat(read(b.engine(), ref, at, 64 << 10)).isEqualTo(expected);
            assertThat(b.provider().bytesRead.get()).as("bytes moved from the blob provider")
                    .isLessThan(8L << 20);
            assertThat(b.engine().blobState(ref)).isEqualTo(BlobState.PARTIAL);
            assertThat(b.engine().cache().cachedFraction(ref)).isGreaterThan(0).isLessThan(0.01);
        }
    }

    @Test
    void aPartialBlobIsReusedAfterARestartAndCompletesVerified() throws Exception {
        Path image = fixture.randomFile("mid.jpg", 24 << 20, 2);
        Record r = publish(image);
        BlobRef ref = r.blob("image");
        long moved;
        try (TestEngines.Counted b = TestEngines.openCounted(config("b", ""))) {
            assertThat(eventually(WAIT, () -> b.engine().table("photos").get(r.id()).isPresent())).isTrue();
            assertThat(read(b.engine(), ref, 5 << 20, 100_000)).isEqualTo(slice(image, 5 << 20, 100_000));
            assertThat(read(b.engine(), ref, 20 << 20, 100_000)).isEqualTo(slice(image, 20 << 20, 100_000));
            moved = b.provider().bytesRead.get();
            assertThat(moved).isLessThan(4L << 20);
        }
        try (TestEngines.Counted b = TestEngines.openCounted(config("b", ""))) {
            assertThat(b.engine().blobState(ref)).isEqualTo(BlobState.PARTIAL);
            assertThat(read(b.engine(), ref, 5 << 20, 100_000)).isEqualTo(slice(image, 5 << 20, 100_000));
            assertThat(read(b.engine(), ref, 20 << 20, 100_000)).isEqualTo(slice(image, 20 << 20, 100_000));
            assertThat(b.provider().bytesRead.get()).as("nothing fetched again after the restart").isZero();

            assertThat(read(b.engine(), ref, 0, 24 << 20)).isEqualTo(Files.readAllBytes(image));
            assertThat(eventually(WAIT, () -> b.engine().blobState(ref) == BlobState.CACHED)).isTrue();
            assertThat(b.provider().bytesRead.get()).as("only the missing chunks").isLessThan(24L << 20);
        }
    }

    @Test
    void aCorruptRemoteCopyIsNeverServedAndTheReasonIsKept() throws Exception {
        Path image = fixture.randomFile("bad.jpg", 6 << 20, 3);
        Record r = publish(image);
        BlobRef ref = r.blob("image");
        try (RandomAccessFile f = new RandomAccessFile(hubFile(ref.sha256()).toFile(), "rw")) {
            f.seek(3L << 20);
            f.write(new byte[] {1, 2, 3, 4});
        }
        try (SyncEngine b = SyncEngine.open(config("b", ""))) {
            assertThat(eventually(WAIT, () -> b.table("photos").get(r.id()).isPresent())).isTrue();
            assertThat(read(b, ref, 0, 1000)).as("an intact chunk still reads").isEqualTo(slice(image, 0, 1000));
            assertThatThrownBy(() -> read(b, ref, 3L << 20, 1000)).hasMessageContaining("corrupt")
                    .hasMessageContaining("bad.jpg");
            assertThat(b.blobState(ref)).isEqualTo(BlobState.ERROR);
            assertThat(b.cache().lastError(ref)).hasValueSatisfying(m -> assertThat(m).contains("chunk 3"));
            assertThatThrownBy(() -> read(b, ref, 0, 6 << 20)).hasMessageContaining("corrupt");
        }
    }

    @Test
    void pinnedBlobsStillReadWithTheStoreGoneAndUnpinnedOnesFailFast() throws Exception {
        List<Record> records = new ArrayList<>();
        try (SyncEngine a = SyncEngine.open(config("a", ""))) {
            for (int i = 0; i < 6; i++) {
                records.add(a.table("photos").insert(EngineFixture.photo("p" + i, fixture.randomFile("p" + i + ".jpg", 1_500_000, 10 + i))));
            }
            assertThat(a.flush(WAIT)).isTrue();
        }
        try (TestEngines.Counted b = TestEngines.openCounted(config("b", ""))) {
            SyncEngine e = b.engine();
            assertThat(eventually(WAIT, () -> e.table("photos").list().size() == 6)).isTrue();
            Record unpinned = e.table("photos").get(records.get(5).id()).orElseThrow();
            e.cache().setPriority(records.get(0).id(), Priority.HIGH);
            e.cache().setPriority(records.get(1).id(), Priority.HIGH);
            assertThat(e.cache().priority("photos", records.get(0).id(), null)).isEqualTo(Priority.HIGH);
            assertThat(eventually(WAIT, () -> e.blobState(records.get(0).blob("image")) == BlobState.CACHED
                    && e.blobState(records.get(1).blob("image")) == BlobState.CACHED)).isTrue();

            b.provider().down.set(true);
            for (int i = 0; i < 2; i++) {
                BlobRef ref = records.get(i).blob("image");
                assertThat(Hashing.sha256(new java.io.ByteArrayInputStream(read(e, ref, 0, (int) ref.size()))))
                        .isEqualTo(ref.sha256());
            }
            long start = System.nanoTime();
            assertThatThrownBy(() -> read(e, unpinned.blob("image"), 0, 100)).isInstanceOf(OfflineException.class)
                    .hasMessageContaining("not on this device");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aPinThatCannotFitIsRefusedWithAReason() throws Exception {
        Record r = publish(fixture.randomFile("huge.jpg", 3 << 20, 4));
        try (SyncEngine b = SyncEngine.open(config("b", "  maxSize: 2MB\n  minFreeDisk: 0\n"))) {
            assertThat(eventually(WAIT, () -> b.table("photos").get(r.id()).isPresent())).isTrue();
            assertThatThrownBy(() -> b.cache().setTablePriority("photos", Priority.HIGH))
                    .isInstanceOf(QuotaExceededException.class).hasMessageContaining("cache.maxSize")
                    .hasMessageContaining("photos");
            assertThat(b.cache().priority("photos", null, null)).isEqualTo(Priority.NORMAL);
        }
    }

    @Test
    void lowPriorityBlobsLeaveFirstAndEvictionsAreAnnounced() throws Exception {
        List<Record> records = new ArrayList<>();
        try (SyncEngine a = SyncEngine.open(config("a", ""))) {
            for (int i = 0; i < 8; i++) {
                records.add(a.table("photos").insert(EngineFixture.photo("e" + i, fixture.randomFile("e" + i + ".jpg", 1_000_000, 20 + i))));
            }
            assertThat(a.flush(WAIT)).isTrue();
        }
        List<Object> events = new CopyOnWriteArrayList<>();
        try (SyncEngine b = SyncEngine.open(config("b", "  maxSize: 5MB\n  minFreeDisk: 0\n"))) {
            b.on(CacheWarning.class, events::add);
            b.on(CacheEviction.class, events::add);
            assertThat(eventually(WAIT, () -> b.table("photos").list().size() == 8)).isTrue();
            b.cache().setPriority(records.get(0).id(), Priority.LOW);
            for (int i = 0; i < 4; i++) {
                read(b, records.get(i).blob("image"), 0, 10);
            }
            // The next reads need room: the low-priority blob goes first although it is not the oldest.
            read(b, records.get(4).blob("image"), 0, 10);
            assertThat(b.blobState(records.get(0).blob("image"))).isEqualTo(BlobState.REMOTE);
            assertThat(b.blobState(records.get(1).blob("image"))).isEqualTo(BlobState.CACHED);
            read(b, records.get(5).blob("image"), 0, 10);
            assertThat(b.blobState(records.get(1).blob("image"))).as("then the least recently used")
                    .isEqualTo(BlobState.REMOTE);
            assertThat(b.cache().stats().used()).isLessThanOrEqualTo(5_000_000);
            assertThat(eventually(WAIT, () -> events.stream().anyMatch(e -> e instanceof CacheWarning)
                    && events.stream().anyMatch(e -> e instanceof CacheEviction))).isTrue();
        }
    }

    @Test
    void cacheStatsFollowTheRfcShape() throws Exception {
        Record r = publish(fixture.randomFile("s.jpg", 500_000, 5));
        try (SyncEngine b = SyncEngine.open(config("b", "  maxSize: 10MB\n"))) {
            assertThat(eventually(WAIT, () -> b.table("photos").get(r.id()).isPresent())).isTrue();
            read(b, r.blob("image"), 0, 10);
            CacheStats s = b.cache().stats();
            assertThat(s.used()).isEqualTo(500_000);
            assertThat(s.available()).isEqualTo(10_000_000 - 500_000);
            assertThat(s.items()).isEqualTo(1);
            assertThat(s.pending()).isZero();
            b.cache().evict(List.of(r.id()));
            assertThat(b.blobState(r.blob("image"))).isEqualTo(BlobState.REMOTE);
            assertThat(b.cache().stats().used()).isZero();
        }
    }

    static long du(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        }
    }

    @SuppressWarnings("unused")
    private static UUID any(List<Record> rs, Random rnd) {
        return rs.get(rnd.nextInt(rs.size())).id();
    }
}

package dev.blobsync.engine;

import static dev.blobsync.engine.testing.EngineFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.event.Offline;
import dev.blobsync.engine.event.Online;
import dev.blobsync.engine.event.SyncError;
import dev.blobsync.engine.event.UploadComplete;
import dev.blobsync.engine.event.UploadProgress;
import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.store.BlobIndex;
import dev.blobsync.engine.store.LocalStore;
import dev.blobsync.engine.testing.EngineFixture;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OfflineQueueTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path tmp;
    EngineFixture fixture;
    Path incoming;

    @BeforeEach
    void setUp() {
        fixture = new EngineFixture(tmp);
        incoming = fixture.hub().resolve("blobs").resolve(".incoming");
    }

    /** Takes the hub's blob store away: every upload fails as if the server were down. */
    private void stopBlobStore() throws IOException {
        Files.createDirectories(incoming.getParent());
        if (Files.isDirectory(incoming)) {
            try (Stream<Path> s = Files.list(incoming)) {
                for (Path p : s.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(incoming);
        }
        Files.writeString(incoming, "the blob store is down");
    }

    private void startBlobStore() throws IOException {
        Files.deleteIfExists(incoming);
    }

    private Set<String> hubBlobs() throws IOException {
        Path blobs = fixture.hub().resolve("blobs");
        if (!Files.isDirectory(blobs)) {
            return Set.of();
        }
        try (Stream<Path> s = Files.walk(blobs)) {
            return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                    .filter(BlobRef::isSha256).collect(Collectors.toSet());
        }
    }

    private Map<String, Object> photo(String title, byte[] image) throws IOException {
        Path p = tmp.resolve(title + ".jpg");
        Files.write(p, image);
        Map<String, Object> m = new HashMap<>();
        m.put("title", title);
        m.put("takenAt", "2026-07-04T10:00:00Z");
        m.put("familyId", "7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01");
        m.put("image", p);
        return m;
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void writesKeepWorkingOfflineAndDrainWithNoUserActionWhenTheStoreReturns() throws Exception {
        stopBlobStore();
        List<Object> seen = new CopyOnWriteArrayList<>();
        try (SyncEngine a = SyncEngine.open(ConfigLoader.load(fixture.config("a", "200ms",
                "  retryStrategy: {maxAttempts: 2, initialDelay: 100ms, maxDelay: 300ms}\n  uploadDelay: 50ms\n")))) {
            a.on(Offline.class, seen::add);
            a.on(Online.class, seen::add);
            a.on(SyncError.class, seen::add);
            a.on(UploadComplete.class, seen::add);
            List<UUID> ids = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                ids.add(a.table("photos").insert(photo("offline-" + i, bytes(20_000, i))).id());
            }
            assertThat(eventually(WAIT, () -> !a.offline().stats().blobsOnline())).isTrue();
            // In-flight attempts finish failing; then every upload waits, queued, for the store.
            assertThat(eventually(WAIT, () -> a.offline().pending().stream().filter(p -> p.type().equals("upload"))
                    .allMatch(p -> p.state().equals("queued")))).isTrue();
            assertThat(a.offline().pending()).filteredOn(p -> p.type().equals("upload")).hasSize(5);
            QueueStats s = a.offline().stats();
            assertThat(s.uploads()).isEqualTo(5);
            assertThat(s.changes()).isEqualTo(5);
            assertThat(s.blobsOnline()).isFalse();
            assertThat(a.offline().pending()).filteredOn(p -> !p.type().equals("upload"))
                    .allSatisfy(p -> assertThat(p.state()).isEqualTo("waiting"));
            assertThat(a.table("photos").get(ids.get(0)).orElseThrow().state()).isEqualTo(RecordState.QUEUED);
            assertThat(seen).anyMatch(e -> e instanceof Offline).anyMatch(e -> e instanceof SyncError);

            startBlobStore(); // no flush, no call: the engine notices by itself
            assertThat(eventually(WAIT, () -> a.offline().stats().empty())).isTrue();
            assertThat(seen).anyMatch(e -> e instanceof Online);
            assertThat(seen.stream().filter(e -> e instanceof UploadComplete).count()).isEqualTo(5);
            assertThat(eventually(WAIT, () -> ids.stream().allMatch(id ->
                    a.table("photos").get(id).orElseThrow().state() == RecordState.SYNCED))).isTrue();
        }
    }

    @Test
    void aSaveStormUploadsOnlyTheFinalBytes() throws Exception {
        try (SyncEngine a = SyncEngine.open(ConfigLoader.load(fixture.config("a", "200ms",
                "  uploadDelay: 2s\n")))) {
            byte[] last = null;
            UUID id = a.table("photos").insert(photo("storm", bytes(10_000, 100))).id();
            for (int i = 1; i <= 10; i++) {
                last = bytes(10_000, 100 + i);
                a.table("photos").update(id, Map.of("image", a.putBlob(new ByteArrayInputStream(last), "image/jpeg",
                        "storm.jpg")));
            }
            assertThat(a.flush(WAIT)).isTrue();
            assertThat(hubBlobs()).containsExactly(Hashing.sha256(new ByteArrayInputStream(last)));
        }
    }

    @Test
    void versionsASaveStormReplacedAreNoQueueWorkAndTheEmptyBlobNeverIs() throws Exception {
        stopBlobStore();
        byte[] last = null;
        try (SyncEngine a = SyncEngine.open(ConfigLoader.load(fixture.config("a", "200ms",
                "  maxQueueSize: 1MB\n  uploadDelay: 50ms\n"
                        + "  retryStrategy: {maxAttempts: 100, initialDelay: 100ms, maxDelay: 300ms}\n")))) {
            UUID id = a.table("photos").insert(photo("storm", bytes(300_000, 400))).id();
            for (int i = 1; i <= 20; i++) {
                // Twenty versions of 300 kB under a 1 MB queue; one of them empty, as a shell's > leaves.
                last = i == 10 ? new byte[0] : bytes(300_000, 400 + i);
                a.table("photos").update(id, Map.of("image", a.putBlob(new ByteArrayInputStream(last), "image/jpeg",
                        "storm.jpg")));
            }
            String lastSha = Hashing.sha256(new ByteArrayInputStream(last));
            List<PendingItem> uploads = a.offline().pending().stream().filter(p -> p.type().equals("upload")).toList();
            assertThat(uploads).extracting(PendingItem::id).containsExactly(lastSha);
            QueueStats s = a.offline().stats();
            assertThat(s.uploads()).as("summary and list agree").isEqualTo(1);
            assertThat(s.queuedBytes()).isEqualTo(300_000);
            assertThat(s.room()).isEqualTo(700_000);
            // The uploader removes the rows of the replaced versions by itself.
            try (LocalStore local = LocalStore.open(tmp.resolve("cache-a").resolve("local.db"))) {
                assertThat(eventually(WAIT, () -> local.read(BlobIndex::uploads).size() == 1)).isTrue();
            }

            startBlobStore();
            assertThat(a.flush(WAIT)).isTrue();
            assertThat(hubBlobs()).containsExactly(lastSha);
        }
    }

    @Test
    void aWriteThatFailsAfterItsBytesWereStoredLeavesNothingQueuedOrCached() throws Exception {
        try (SyncEngine a = SyncEngine.open(ConfigLoader.load(fixture.config("a", "200ms",
                "  uploadDelay: 50ms\n")))) {
            byte[] image = bytes(200_000, 500);
            UUID missing = UUID.randomUUID();
            Files.write(tmp.resolve("x.jpg"), image);
            assertThatThrownBy(() -> a.table("photos").update(missing, Map.of("image", tmp.resolve("x.jpg"))))
                    .isInstanceOf(NotFoundException.class);
            String sha = Hashing.sha256(new ByteArrayInputStream(image));
            Path cached = tmp.resolve("cache-a").resolve("blobs").resolve(sha.substring(0, 2)).resolve(sha);
            assertThat(cached).as("the failed write's bytes left the cache").doesNotExist();
            assertThat(a.offline().pending()).isEmpty();
            assertThat(a.cache().stats().used()).isZero();

            // A blob put for a write that never came (a crash in between) goes at the next start.
            BlobRef orphan = a.putBlob(new ByteArrayInputStream(image), "image/jpeg", "orphan.jpg");
            assertThat(cached).exists();
            assertThat(orphan.sha256()).isEqualTo(sha);
        }
        try (SyncEngine again = fixture.open("a")) {
            String sha = Hashing.sha256(new ByteArrayInputStream(bytes(200_000, 500)));
            assertThat(tmp.resolve("cache-a").resolve("blobs").resolve(sha.substring(0, 2)).resolve(sha))
                    .doesNotExist();
            assertThat(again.offline().pending()).isEmpty();
        }
    }

    @Test
    void aFullQueueRejectsTheNextBlobWithAReasonAndKeepsWhatWasQueued() throws Exception {
        stopBlobStore();
        List<UUID> ids = new ArrayList<>();
        try (SyncEngine a = SyncEngine.open(ConfigLoader.load(fixture.config("a", "200ms",
                "  maxQueueSize: 1MB\n  uploadDelay: 50ms\n"
                        + "  retryStrategy: {maxAttempts: 3, initialDelay: 100ms, maxDelay: 300ms}\n")))) {
            for (int i = 0; i < 3; i++) {
                ids.add(a.table("photos").insert(photo("q" + i, bytes(300_000, 200 + i))).id());
            }
            assertThat(a.offline().stats().room()).isEqualTo(100_000);
            assertThatThrownBy(() -> a.table("photos").insert(photo("too-much", bytes(300_000, 299))))
                    .isInstanceOf(QuotaExceededException.class)
                    .hasMessageContaining("offline.maxQueueSize").hasMessageContaining("too-much.jpg");
            assertThat(a.table("photos").list()).hasSize(3);

            startBlobStore();
            FlushResult r = a.offline().flush(WAIT, s -> { });
            assertThat(r.complete()).isTrue();
            assertThat(a.offline().stats().room()).isEqualTo(1_000_000);
        }
        try (SyncEngine b = fixture.open("b")) {
            assertThat(eventually(WAIT, () -> ids.stream().allMatch(id -> b.table("photos").get(id).isPresent())))
                    .isTrue();
        }
        assertThat(hubBlobs()).hasSize(3);
    }

    @Test
    void anUploadThatKeepsFailingEntersStateErrorIsKeptAndIsRetriedOnFlush() throws Exception {
        try (SyncEngine a = SyncEngine.open(ConfigLoader.load(fixture.config("a", "200ms",
                "  retryStrategy: {maxAttempts: 2, initialDelay: 50ms, maxDelay: 100ms}\n  uploadDelay: 50ms\n")))) {
            Record r = a.table("photos").insert(photo("gone", bytes(5000, 500)));
            BlobRef ref = r.blob("image");
            // The local copy disappears (a disk fault): the provider is fine, the upload cannot succeed.
            Path cached = a.config().cache().directory().resolve("blobs").resolve(ref.sha256().substring(0, 2))
                    .resolve(ref.sha256());
            Path aside = tmp.resolve("aside");
            Files.move(cached, aside);
            assertThat(eventually(WAIT, () -> a.blobState(ref) == BlobState.ERROR)).isTrue();
            assertThat(a.offline().pending()).anySatisfy(p -> {
                assertThat(p.type()).isEqualTo("upload");
                assertThat(p.state()).isEqualTo("error");
                assertThat(p.error()).contains("missing").contains("gave up after 2 attempts");
            });
            assertThat(a.offline().stats().errors()).isEqualTo(1);
            Files.move(aside, cached);
            assertThat(a.offline().flush(WAIT, s -> { }).complete()).isTrue();
            assertThat(hubBlobs()).contains(ref.sha256());
        }
    }

    @Test
    void flushNamesWhatIsLeftWhenItCannotFinish() throws Exception {
        stopBlobStore();
        try (SyncEngine a = fixture.open("a")) {
            a.table("photos").insert(photo("stuck", bytes(1000, 300)));
            List<QueueStats> progress = new CopyOnWriteArrayList<>();
            FlushResult r = a.offline().flush(Duration.ofSeconds(2), progress::add);
            assertThat(r.complete()).isFalse();
            assertThat(progress).isNotEmpty();
            assertThat(r.left()).anySatisfy(i -> {
                assertThat(i.type()).isEqualTo("upload");
                assertThat(i.name()).isEqualTo("stuck.jpg");
                assertThat(i.size()).isEqualTo(1000);
            }).anySatisfy(i -> assertThat(i.type()).isEqualTo("insert"));
        }
    }

    @Test
    void uploadProgressIsReportedForLargeBlobs() throws Exception {
        List<UploadProgress> progress = new CopyOnWriteArrayList<>();
        try (SyncEngine a = fixture.open("a")) {
            a.on(UploadProgress.class, progress::add);
            a.table("photos").insert(photo("big", bytes(20 << 20, 400)));
            assertThat(a.flush(WAIT)).isTrue();
            assertThat(eventually(WAIT, () -> progress.stream().anyMatch(p -> p.progress() == 1.0))).isTrue();
            assertThat(progress).allSatisfy(p -> assertThat(p.progress()).isBetween(0.0, 1.0));
        }
    }
}

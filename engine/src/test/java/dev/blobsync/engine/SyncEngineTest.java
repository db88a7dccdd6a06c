package dev.blobsync.engine;

import static dev.blobsync.engine.testing.EngineFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.testing.EngineFixture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyncEngineTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path tmp;
    EngineFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = new EngineFixture(tmp);
    }

    private static byte[] readAll(SyncEngine engine, BlobRef ref) throws IOException {
        try (BlobReader r = engine.openBlob(ref)) {
            ByteBuffer buf = ByteBuffer.allocate((int) r.size());
            long pos = 0;
            int n;
            while (buf.hasRemaining() && (n = r.read(buf, pos)) > 0) {
                pos += n;
            }
            return buf.array();
        }
    }

    @Test
    void insertWithImageAppearsOnASecondDeviceWithTheSameBytes() throws Exception {
        Path image = fixture.randomFile("beach.jpg", 300_000, 1);
        try (SyncEngine a = fixture.open("a"); SyncEngine b = fixture.open("b")) {
            Record r = a.table("photos").insert(EngineFixture.photo("Beach Day", image));
            assertThat(r.state()).isIn(RecordState.QUEUED, RecordState.SYNCED);
            assertThat(r.blob("image").sha256()).isEqualTo(Hashing.sha256(image));
            assertThat(r.blob("image").type()).isEqualTo("image/jpeg");

            assertThat(eventually(WAIT, () -> b.table("photos").get(r.id()).isPresent())).isTrue();
            Record seen = b.table("photos").get(r.id()).orElseThrow();
            assertThat(seen.get("title")).isEqualTo("Beach Day");
            assertThat(seen.get("takenAt")).isEqualTo(Instant.parse("2026-07-04T10:00:00Z"));
            assertThat(seen.state()).isEqualTo(RecordState.SYNCED);
            assertThat(readAll(b, seen.blob("image"))).isEqualTo(Files.readAllBytes(image));
            assertThat(fixture.hub().resolve("blobs").resolve(seen.blob("image").sha256().substring(0, 2))
                    .resolve(seen.blob("image").sha256())).exists();
        }
    }

    @Test
    void updateAndDeleteReachTheOtherDevice() throws Exception {
        try (SyncEngine a = fixture.open("a"); SyncEngine b = fixture.open("b")) {
            Record r = a.table("photos").insert(EngineFixture.photo("One", fixture.randomFile("1.jpg", 1000, 2)));
            assertThat(eventually(WAIT, () -> b.table("photos").get(r.id()).isPresent())).isTrue();

            b.table("photos").update(r.id(), Map.of("title", "Two", "audio", fixture.randomFile("voice.m4a", 500, 3)));
            assertThat(eventually(WAIT, () -> "Two".equals(a.table("photos").get(r.id()).orElseThrow().get("title"))))
                    .isTrue();
            assertThat(eventually(WAIT, () -> a.table("photos").get(r.id()).orElseThrow().blob("audio") != null))
                    .isTrue();

            a.table("photos").delete(r.id());
            assertThat(a.table("photos").get(r.id())).isEmpty();
            assertThat(eventually(WAIT, () -> b.table("photos").get(r.id()).isEmpty())).isTrue();
            assertThat(b.table("photos").list()).isEmpty();
        }
    }

    @Test
    void draftStaysLocalUntilItIsComplete() throws Exception {
        try (SyncEngine a = fixture.open("a"); SyncEngine b = fixture.open("b")) {
            Record d = a.table("photos").insertDraft(Map.of("title", "Unfinished"));
            assertThat(d.state()).isEqualTo(RecordState.DRAFT);
            assertThat(d.error()).contains("takenAt", "familyId", "image");
            assertThat(a.flush(WAIT)).isTrue();
            assertThat(b.flush(WAIT)).isTrue();
            assertThat(b.table("photos").get(d.id())).isEmpty();

            Map<String, Object> rest = EngineFixture.photo("Finished", fixture.randomFile("f.jpg", 2000, 4));
            Record done = a.table("photos").update(d.id(), rest);
            assertThat(done.state()).isNotEqualTo(RecordState.DRAFT);
            assertThat(eventually(WAIT, () -> b.table("photos").get(d.id()).isPresent())).isTrue();
        }
    }

    @Test
    void invalidChangesAreRejectedNamingTheFieldAndChangeNothing() throws Exception {
        try (SyncEngine a = fixture.open("a")) {
            Record r = a.table("photos").insert(EngineFixture.photo("Keep", fixture.randomFile("k.jpg", 100, 5)));
            assertThatThrownBy(() -> a.table("photos").update(r.id(), Map.of("title", 42)))
                    .isInstanceOf(InvalidException.class).hasMessageContaining("title");
            assertThatThrownBy(() -> a.table("photos").update(r.id(), Map.of("colour", "red")))
                    .isInstanceOf(InvalidException.class).hasMessageContaining("colour");
            assertThatThrownBy(() -> a.table("photos").update(r.id(), Map.of("id", UUID.randomUUID().toString())))
                    .isInstanceOf(InvalidException.class).hasMessageContaining("id");
            Map<String, Object> noTitle = new HashMap<>();
            noTitle.put("title", null);
            assertThatThrownBy(() -> a.table("photos").update(r.id(), noTitle))
                    .isInstanceOf(InvalidException.class).hasMessageContaining("title");
            assertThatThrownBy(() -> a.table("photos").update(r.id(), Map.of("image", fixture.randomFile("x.mp3", 10, 6))))
                    .isInstanceOf(InvalidException.class).hasMessageContaining("image/*");
            assertThat(a.table("photos").get(r.id()).orElseThrow().get("title")).isEqualTo("Keep");
            assertThatThrownBy(() -> a.table("nope")).isInstanceOf(NotFoundException.class)
                    .hasMessageContaining("photos");
        }
    }

    @Test
    void recordWaitsForItsBlobUploadAndSurvivesARestart() throws Exception {
        // Make the hub's blob folder unusable: uploads fail, so the record must not be pushed.
        Path incoming = fixture.hub().resolve("blobs").resolve(".incoming");
        Files.createDirectories(incoming.getParent());
        Files.writeString(incoming, "not a folder");
        UUID id;
        Path image = fixture.randomFile("held.jpg", 5000, 7);
        try (SyncEngine a = fixture.open("a")) {
            id = a.table("photos").insert(EngineFixture.photo("Held", image)).id();
            assertThat(a.flush(Duration.ofSeconds(2))).isFalse();
            assertThat(a.blobState(a.table("photos").get(id).orElseThrow().blob("image")))
                    .isIn(BlobState.QUEUED, BlobState.ERROR, BlobState.UPLOADING);
        }
        try (SyncEngine b = fixture.open("b")) {
            assertThat(b.flush(WAIT)).isTrue();
            assertThat(b.table("photos").get(id)).as("no record before its blob").isEmpty();
        }
        Files.delete(incoming);
        try (SyncEngine a = fixture.open("a")) {
            Record again = a.table("photos").get(id).orElseThrow();
            assertThat(again.get("title")).isEqualTo("Held");
            assertThat(a.flush(WAIT)).isTrue();
            assertThat(a.blobState(again.blob("image"))).isEqualTo(BlobState.CACHED);
        }
        try (SyncEngine b = fixture.open("b")) {
            assertThat(eventually(WAIT, () -> b.table("photos").get(id).isPresent())).isTrue();
            assertThat(readAll(b, b.table("photos").get(id).orElseThrow().blob("image")))
                    .isEqualTo(Files.readAllBytes(image));
        }
    }

    @Test
    void aCacheFolderServesOneEngineAtATime() {
        try (SyncEngine a = fixture.open("a")) {
            assertThatThrownBy(() -> fixture.open("a")).isInstanceOf(StorageException.class)
                    .hasMessageContaining("in use");
        }
    }

    @Test
    void uncachedBlobOfAnUnreachableStoreFailsWithAReason() throws Exception {
        Record r;
        try (SyncEngine a = fixture.open("a")) {
            r = a.table("photos").insert(EngineFixture.photo("Far", fixture.randomFile("far.jpg", 1000, 8)));
            assertThat(a.flush(WAIT)).isTrue();
        }
        try (SyncEngine b = fixture.open("b")) {
            assertThat(eventually(WAIT, () -> b.table("photos").get(r.id()).isPresent())).isTrue();
            BlobRef ref = b.table("photos").get(r.id()).orElseThrow().blob("image");
            assertThat(b.blobState(ref)).isEqualTo(BlobState.REMOTE);
            Path blob = fixture.hub().resolve("blobs").resolve(ref.sha256().substring(0, 2)).resolve(ref.sha256());
            Files.write(blob, new byte[] {1, 2, 3});
            assertThatThrownBy(() -> b.openBlob(ref)).isInstanceOf(EngineException.class)
                    .hasMessageContaining("far.jpg").hasMessageContaining("corrupt");
            assertThat(b.blobState(ref)).isEqualTo(BlobState.ERROR);
            assertThat(b.cache().lastError(ref)).hasValueSatisfying(m -> assertThat(m).contains("corrupt"));
        }
    }
}

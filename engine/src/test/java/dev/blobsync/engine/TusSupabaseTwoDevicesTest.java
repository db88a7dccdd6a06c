package dev.blobsync.engine;

import static dev.blobsync.engine.testing.EngineFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.testing.EngineFixture;
import dev.blobsync.engine.testing.TusNodeServer;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two devices (each an engine, as a mount runs one) upload the same photo at once to
 * @tus/server set up as Supabase Storage's resumable endpoint. The server holds one device's
 * upload in its second chunk, so the other device's requests meet the object's lock and are
 * refused with 409; it retries, and once the first upload is stored it is told "already
 * exists" (or finds the object before sending). The photo is stored once, with its bytes, and
 * both records sync.
 */
class TusSupabaseTwoDevicesTest {
    private static final int SIZE = 20 << 20;
    private static final long HOLD = (6L << 20) + 4321; // inside the second 6 MiB chunk

    @TempDir
    Path tmp;

    private Path config(TusNodeServer server, String device) throws Exception {
        String yaml = "data:\n  provider: sqlite\n  config:\n    hub: " + tmp.resolve("hub") + "\n"
                + "blobs:\n  provider: tus\n  config:\n" + server.blobsConfigYaml(TusNodeServer.KEY)
                + "    timeout: 30s\n"
                + "cache:\n  directory: " + tmp.resolve("cache-" + device) + "\n"
                + "sync:\n  pollInterval: 200ms\n"
                + "offline:\n  uploadDelay: 10ms\n"
                + "  retryStrategy: {maxAttempts: 100, initialDelay: 50ms, maxDelay: 500ms}\n"
                + EngineFixture.PHOTOS_SCHEMA;
        return Files.writeString(tmp.resolve(device + ".yaml"), yaml);
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void twoDevicesUploadingTheSamePhotoAtOnceStoreItOnceAndBothRecordsSync() throws Exception {
        byte[] photo = new byte[SIZE];
        new Random(14).nextBytes(photo);
        String key = Hashing.sha256(new ByteArrayInputStream(photo));
        Path file = Files.write(tmp.resolve("IMG_0014.jpg"), photo);
        try (TusNodeServer server = TusNodeServer.start(tmp.resolve("server"), TusNodeServer.Mode.SUPABASE)) {
            server.holdAt(HOLD);
            try (SyncEngine a = SyncEngine.open(ConfigLoader.load(config(server, "a")));
                 SyncEngine b = SyncEngine.open(ConfigLoader.load(config(server, "b")))) {
                UUID idA = a.table("photos").insert(EngineFixture.photo("from a", file)).id();
                UUID idB = b.table("photos").insert(EngineFixture.photo("from b", file)).id();

                assertThat(eventually(Duration.ofSeconds(30), () -> stat(server, "received") == HOLD))
                        .as("one upload is held in its second chunk; server log:\n%s", server.log()).isTrue();
                long lockedBefore = stat(server, "locked");
                assertThat(eventually(Duration.ofSeconds(30), () -> stat(server, "locked") > lockedBefore))
                        .as("the other upload met the held one's lock (409)").isTrue();
                server.release();

                for (SyncEngine engine : List.of(a, b)) {
                    assertThat(engine.offline().flush(Duration.ofSeconds(60), s -> { }).complete()).isTrue();
                }
                for (SyncEngine engine : List.of(a, b)) {
                    assertThat(eventually(Duration.ofSeconds(20), () -> List.of(idA, idB).stream().allMatch(id ->
                            engine.table("photos").get(id).map(r -> r.state() == RecordState.SYNCED).orElse(false))))
                            .as("both records synced on each device").isTrue();
                }
                Record fromA = b.table("photos").get(idA).orElseThrow();
                assertThat(fromA.blob("image").sha256()).isEqualTo(key);
                assertThat(readAll(b, fromA.blob("image"))).as("device b reads a's photo").isEqualTo(photo);
            }
            JsonNode stats = server.stats();
            assertThat(server.finished(key)).as("one upload stored the photo").isEqualTo(1);
            assertThat(stats.path("objects").size()).as("objects stored: the photo and its chunk manifest")
                    .isEqualTo(2);
            assertThat(Hashing.sha256(server.storedFile(key))).isEqualTo(key);
        }
    }

    private static long stat(TusNodeServer server, String name) {
        try {
            return server.stats().path(name).asLong();
        } catch (Exception e) {
            return -1;
        }
    }

    private static byte[] readAll(SyncEngine engine, BlobRef ref) throws Exception {
        try (BlobReader r = engine.openBlob(ref)) {
            ByteBuffer buf = ByteBuffer.allocate((int) r.size());
            while (buf.hasRemaining()) {
                if (r.read(buf, buf.position()) < 0) {
                    break;
                }
            }
            return buf.array();
        }
    }
}

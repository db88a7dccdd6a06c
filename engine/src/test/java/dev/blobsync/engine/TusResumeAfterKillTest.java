package dev.blobsync.engine;

import static dev.blobsync.engine.testing.EngineFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.testing.FaultyProxy;
import dev.blobsync.engine.testing.TusTestServer;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An engine is stopped in the middle of a PATCH of a 20 MiB blob, its connection cut as when
 * the process dies; the next engine on the same cache continues the same tus upload from the
 * server's offset, which is no multiple of the engine's 8 MiB appends: the bytes the server
 * receives after the restart are exactly the rest of the blob.
 */
class TusResumeAfterKillTest {
    private static final int SIZE = 20 << 20;
    private static final long HOLD = (5L << 20) + 12_345;

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void uploadResumesFromServerOffsetAfterKill() throws Exception {
        byte[] image = new byte[SIZE];
        new Random(20).nextBytes(image);
        String key = Hashing.sha256(new ByteArrayInputStream(image));
        try (TusTestServer server = TusTestServer.start(tmp.resolve("server"));
             FaultyProxy network = FaultyProxy.start(server.port(), 0, 1, Duration.ofMinutes(2))) {
            Path config = FaultyBackendTest.tusConfig(tmp, "a", network.port(), "", "  uploadDelay: 10ms\n"
                    + "  retryStrategy: {maxAttempts: 100, initialDelay: 50ms, maxDelay: 200ms}\n");
            server.holdUploadsAt(HOLD);

            SyncEngine first = SyncEngine.open(ConfigLoader.load(config));
            UUID id = first.table("photos").insert(FaultyBackendTest.photo(tmp, "big", image)).id();
            assertThat(eventually(Duration.ofSeconds(20), () -> server.uploadBytesReceived() == HOLD)).isTrue();

            // The process dies: it stops, and its connections go down with it.
            Thread stopping = new Thread(first::close, "stopping-engine");
            stopping.start();
            Thread.sleep(200);
            network.cutAll();
            server.cutHeldUploads();
            stopping.join(30_000);
            assertThat(stopping.isAlive()).as("the engine stopped").isFalse();
            // The blob's chunk manifest (a few hundred bytes) uploads beside it and is done by now.
            assertThat(eventually(Duration.ofSeconds(10), () -> server.patches().stream()
                    .filter(p -> p.bytes() > 100_000).count() == 1))
                    .as("the server has finished with the cut request").isTrue();

            List<TusTestServer.OpenUpload> open = server.openUploads().stream()
                    .filter(u -> u.sha256().equals(key)).toList();
            assertThat(open).hasSize(1);
            TusTestServer.OpenUpload upload = open.get(0);
            long offset = upload.offset();
            assertThat(offset).as("the server kept what it read of the cut request")
                    .isBetween(HOLD - 4096, HOLD);

            try (SyncEngine second = SyncEngine.open(ConfigLoader.load(config))) {
                assertThat(second.offline().flush(Duration.ofSeconds(30), s -> { }).complete()).isTrue();
                assertThat(second.table("photos").get(id).orElseThrow().state()).isEqualTo(RecordState.SYNCED);
            }

            assertThat(server.resumes()).contains(new TusTestServer.Resume(upload.upload(), offset));
            List<TusTestServer.Patch> patches = server.patches().stream()
                    .filter(p -> p.upload().equals(upload.upload())).toList();
            assertThat(patches.get(1).offset()).as("the first PATCH after the restart").isEqualTo(offset);
            long after = patches.stream().skip(1).mapToLong(TusTestServer.Patch::bytes).sum();
            assertThat(after).as("bytes sent after the restart: exactly the rest, in the same session")
                    .isEqualTo(SIZE - offset);
            assertThat(server.completions()).containsEntry(key, 1);
            assertThat(Hashing.sha256(server.storedFile(key))).isEqualTo(key);
        }
    }
}

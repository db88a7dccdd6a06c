package dev.blobsync.engine;

import static dev.blobsync.engine.testing.EngineFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.testing.FaultyProxy;
import dev.blobsync.engine.testing.TusNodeServer;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An engine is stopped in the middle of a PATCH of a 20 MiB blob to @tus/server (plain mode),
 * its connection cut as when the process dies; the next engine on the same cache continues the
 * same tus upload from the server's offset, which is no multiple of the engine's 8 MiB appends:
 * the bytes the server's store takes after the restart are exactly the rest of the blob.
 * (The mount daemon killed with SIGKILL: {@code stress-tests/.../TusNodeKillResumeIT}.)
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
        try (TusNodeServer server = TusNodeServer.start(tmp.resolve("server"), TusNodeServer.Mode.PLAIN);
             FaultyProxy network = FaultyProxy.start(server.port(), 0, 1, Duration.ofMinutes(2))) {
            Path config = FaultyBackendTest.tusConfig(tmp, "a", network.port(), "", "  uploadDelay: 10ms\n"
                    + "  retryStrategy: {maxAttempts: 100, initialDelay: 50ms, maxDelay: 200ms}\n");
            server.holdAt(HOLD);

            SyncEngine first = SyncEngine.open(ConfigLoader.load(config));
            UUID id = first.table("photos").insert(FaultyBackendTest.photo(tmp, "big", image)).id();
            assertThat(eventually(Duration.ofSeconds(20), () -> received(server) == HOLD)).isTrue();

            // The process dies: it stops, and its connections go down with it.
            Thread stopping = new Thread(first::close, "stopping-engine");
            stopping.start();
            Thread.sleep(200);
            network.cutAll();
            server.cut();
            stopping.join(30_000);
            assertThat(stopping.isAlive()).as("the engine stopped").isFalse();
            assertThat(writes(server, key)).as("the first PATCH, cut").hasSize(1);

            try (SyncEngine second = SyncEngine.open(ConfigLoader.load(config))) {
                assertThat(second.offline().flush(Duration.ofSeconds(30), s -> { }).complete()).isTrue();
                assertThat(second.table("photos").get(id).orElseThrow().state()).isEqualTo(RecordState.SYNCED);
            }

            JsonNode stats = server.stats();
            List<Long> offsets = new ArrayList<>();
            stats.path("heads").forEach(h -> {
                if (h.path("id").asText().equals(key)) {
                    offsets.add(h.path("offset").asLong());
                }
            });
            assertThat(offsets).as("the second engine asked the server for its offset").isNotEmpty();
            long offset = offsets.get(0);
            assertThat(offset).as("the server kept what it took of the cut request").isBetween(HOLD - (64 << 10), HOLD);
            List<JsonNode> patches = writes(server, key);
            assertThat(patches.get(1).path("offset").asLong()).as("the first PATCH after the restart").isEqualTo(offset);
            long after = patches.stream().skip(1).mapToLong(w -> w.path("bytes").asLong()).sum();
            assertThat(after).as("bytes taken after the restart: exactly the rest, in the same session")
                    .isEqualTo(SIZE - offset);
            assertThat(server.finished(key)).isEqualTo(1);
            assertThat(Hashing.sha256(server.storedFile(key))).isEqualTo(key);
        }
    }

    private static long received(TusNodeServer server) {
        try {
            return server.bytesReceived();
        } catch (Exception e) {
            return -1;
        }
    }

    private static List<JsonNode> writes(TusNodeServer server, String uploadId) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        server.stats().path("writes").forEach(w -> {
            if (w.path("id").asText().equals(uploadId)) {
                out.add(w);
            }
        });
        return out;
    }
}

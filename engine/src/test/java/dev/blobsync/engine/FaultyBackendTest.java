package dev.blobsync.engine;

import static dev.blobsync.engine.testing.EngineFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.testing.EngineFixture;
import dev.blobsync.engine.testing.FaultyProxy;
import dev.blobsync.engine.testing.TusNodeServer;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 4's faulty backend: an engine uploads through a proxy that fails 30% of the requests
 * to @tus/server (plain mode), and every blob still arrives exactly once, resumed rather than
 * resent.
 */
class FaultyBackendTest {
    private static final Logger LOG = LoggerFactory.getLogger(FaultyBackendTest.class);
    private static final long SEED = 4;
    private static final int KIB = 1 << 10;
    private static final int MIB = 1 << 20;

    @TempDir
    Path tmp;

    /** An engine config in the style of {@link EngineFixture}, with blobs on the tus server at {@code port}. */
    static Path tusConfig(Path root, String name, int port, String tusOptions, String offlineSection)
            throws Exception {
        Path hub = root.resolve("hub");
        String yaml = "data:\n  provider: sqlite\n  config:\n    hub: " + hub + "\n"
                + "blobs:\n  provider: tus\n  config:\n"
                + "    endpoint: http://127.0.0.1:" + port + "/files/\n"
                + "    readUrl: \"http://127.0.0.1:" + port + "/blobs/{sha256}\"\n"
                + "    timeout: 10s\n"
                + tusOptions
                + "cache:\n  directory: " + root.resolve("cache-" + name) + "\n"
                + "sync:\n  pollInterval: 200ms\n"
                + "offline:\n" + offlineSection
                + EngineFixture.PHOTOS_SCHEMA;
        Files.createDirectories(root);
        return Files.writeString(root.resolve(name + ".yaml"), yaml);
    }

    static Map<String, Object> photo(Path dir, String title, byte[] image) throws Exception {
        Path p = dir.resolve(title + ".jpg");
        Files.write(p, image);
        Map<String, Object> m = new HashMap<>();
        m.put("title", title);
        m.put("takenAt", "2026-07-04T10:00:00Z");
        m.put("familyId", "7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01");
        m.put("image", p);
        return m;
    }

    /** 40 sizes from 4 KiB to 12 MiB, about 90 MiB in all, some just off the 8 MiB append size. */
    private static List<Integer> sizes() {
        List<Integer> sizes = new ArrayList<>();
        int[] big = {12 * MIB, 12 * MIB - 1, 8 * MIB + 1, 9 * MIB + 12_345};
        int[] medium = {5 * MIB, 3 * MIB + 7, 2 * MIB, 1 * MIB, 4 * MIB - 3, 6 * MIB + 100};
        for (int b : big) {
            sizes.add(b);
        }
        for (int m : medium) {
            sizes.add(m);
        }
        Random random = new Random(SEED);
        while (sizes.size() < 40) {
            sizes.add(4 * KIB + random.nextInt(700 * KIB));
        }
        return sizes;
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void everyBlobArrivesExactlyOnceThroughAProxyThatFailsThirtyPercentOfRequests() throws Exception {
        Map<String, Integer> blobs = new LinkedHashMap<>();
        List<UUID> ids = new ArrayList<>();
        try (TusNodeServer server = TusNodeServer.start(tmp.resolve("server"), TusNodeServer.Mode.PLAIN);
             FaultyProxy proxy = FaultyProxy.start(server.port(), 0.3, SEED, Duration.ofMinutes(3))) {
            // 1 MiB requests: more of them, so faults often land in the middle of an upload.
            Path config = tusConfig(tmp, "a", proxy.port(), "    requestPayloadSize: 1MiB\n",
                    "  uploadConcurrency: 3\n  uploadDelay: 10ms\n"
                    + "  retryStrategy: {maxAttempts: 1000, initialDelay: 20ms, maxDelay: 200ms}\n");
            try (SyncEngine engine = SyncEngine.open(ConfigLoader.load(config))) {
                Random random = new Random(SEED);
                int i = 0;
                for (int size : sizes()) {
                    byte[] image = new byte[size];
                    random.nextBytes(image);
                    blobs.put(Hashing.sha256(new ByteArrayInputStream(image)), size);
                    Record rec = engine.table("photos").insert(photo(tmp, "faulty-" + i++, image));
                    ids.add(rec.id());
                    if (rec.blob("image").chunks() != null) {
                        // Blobs over a chunk travel with their chunk manifest, a blob of its own.
                        blobs.put(rec.blob("image").chunks(), 13 + 32 * (int) ((size + MIB - 1) / MIB));
                    }
                }
                FlushResult flushed = engine.offline().flush(Duration.ofSeconds(50), s -> { });
                assertThat(flushed.left()).isEmpty();
                assertThat(flushed.complete()).isTrue();
                assertThat(eventually(Duration.ofSeconds(10), () -> ids.stream().allMatch(id ->
                        engine.table("photos").get(id).orElseThrow().state() == RecordState.SYNCED))).isTrue();
            }

            // Every blob is on the server once, under its key, with the right bytes.
            JsonNode stats = server.stats();
            Set<String> stored = new LinkedHashSet<>();
            stats.path("finished").fieldNames().forEachRemaining(stored::add);
            assertThat(stored).containsExactlyInAnyOrderElementsOf(blobs.keySet());
            for (Map.Entry<String, Integer> b : blobs.entrySet()) {
                Path file = server.storedFile(b.getKey());
                assertThat(Files.size(file)).isEqualTo(b.getValue().longValue());
                assertThat(Hashing.sha256(file)).isEqualTo(b.getKey());
            }
            assertThat(stats.path("finished")).as("no blob was uploaded completely twice")
                    .allSatisfy(n -> assertThat(n.asInt()).isEqualTo(1));
            stats.path("writes").forEach(w -> assertThat(w.path("bytes").asLong() == 0
                    || stored.contains(w.path("id").asText()))
                    .as("sessions left behind (creations whose answer was lost) hold no bytes: %s", w).isTrue());

            // Resumed, not resent: the server took each byte about once.
            long total = blobs.values().stream().mapToLong(Integer::longValue).sum();
            long received = stats.path("received").asLong();
            Resumes resumes = Resumes.of(stats);
            LOG.info("Faulty backend: {} requests through the proxy, {} failed ({}); {} of {} bytes received; "
                            + "{} resumes at a non-zero offset; restarting from zero would have cost {} more bytes",
                    proxy.requests(), proxy.faults(), faultCounts(proxy), received, total, resumes.count(),
                    resumes.resentFromZero());
            assertThat(proxy.faults()).as("faults injected").isGreaterThanOrEqualTo(20);
            assertThat(received).as("every byte arrived").isGreaterThanOrEqualTo(total);
            assertThat(received).as("bytes received beyond the blobs' total (retransmission)")
                    .isLessThanOrEqualTo(total + MIB);
            assertThat(resumes.count()).as("uploads resumed at a non-zero offset").isGreaterThanOrEqualTo(5);
            assertThat(resumes.resentFromZero()).as("bytes a client restarting from zero would have resent")
                    .isGreaterThanOrEqualTo(8L * MIB);
            assertThat(received).as("far below what restarting from zero would cost")
                    .isLessThan(total + resumes.resentFromZero() - 7L * MIB);
        }
    }

    private static Map<FaultyProxy.Fault, Integer> faultCounts(FaultyProxy proxy) {
        Map<FaultyProxy.Fault, Integer> counts = new LinkedHashMap<>();
        for (FaultyProxy.Fault f : FaultyProxy.Fault.values()) {
            counts.put(f, proxy.faults(f));
        }
        return counts;
    }

    /**
     * Resumes seen by the server: distinct non-zero offsets it answered when asked (HEAD). A
     * client restarting from zero would have resent that many bytes each time.
     */
    record Resumes(int count, long resentFromZero) {
        static Resumes of(JsonNode stats) {
            Set<String> distinct = new LinkedHashSet<>();
            long sum = 0;
            for (JsonNode h : stats.path("heads")) {
                long offset = h.path("offset").asLong();
                if (offset > 0 && distinct.add(h.path("id").asText() + "@" + offset)) {
                    sum += offset;
                }
            }
            return new Resumes(distinct.size(), sum);
        }
    }
}

package dev.blobsync.engine.provider.s3;

import static dev.blobsync.engine.testing.EngineFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.testing.EngineFixture;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client process is killed (SIGKILL) in the middle of a multipart upload; a new engine on the
 * same cache folder sends only the parts the server does not hold, as counted at the server.
 * Part 4 is in flight when the client dies: whether it lands depends on how much of it the
 * kernel had sent, so the test takes what the server holds then and checks that exactly the
 * rest follows.
 */
class S3KillResumeTest {
    private static final int PART = 5 << 20;
    private static final int PARTS = 8;

    @TempDir
    Path dir;

    @Test
    void uploadResumesFromTheServersPartsAfterTheClientIsKilled() throws Exception {
        S3TestServer server = S3TestServer.get();
        String bucket = server.newBucket("kill");
        CountingBlobStore.Counts counts = server.store().counts(bucket);
        Path config = dir.resolve("device.yaml");
        Files.writeString(config, "data:\n  provider: sqlite\n  config:\n    hub: " + dir.resolve("hub") + "\n"
                + server.blobsYaml(bucket, S3TestServer.SECRET_KEY, Map.of("multipartThreshold", "5MiB",
                "partSize", "5MiB", "partConcurrency", 1))
                + "cache:\n  directory: " + dir.resolve("cache") + "\n"
                + "offline:\n  retryStrategy: {maxAttempts: 50, initialDelay: 100ms, maxDelay: 500ms}\n"
                + EngineFixture.PHOTOS_SCHEMA);
        byte[] data = new byte[PARTS * PART - 1000];
        new Random(42).nextBytes(data);
        Path file = dir.resolve("big.jpg");
        Files.write(file, data);
        String sha = Hashing.sha256(file);

        // Parts 1 to 3 arrive; part 4 is held at the server, in flight, when the client dies.
        server.store().holdPartsAbove(bucket, 3);
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), S3UploadChild.class.getName(),
                config.toString(), file.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        try {
            assertThat(eventually(Duration.ofSeconds(60), () -> counts.held.get() >= 1))
                    .as(() -> "the child reached part 4; its log:\n" + log(dir.resolve("child.log"))).isTrue();
            assertThat(counts.parts).containsExactlyInAnyOrder(1, 2, 3);
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
        server.store().releaseParts(bucket);
        assertThat(eventually(Duration.ofSeconds(30),
                () -> counts.partRequestsEnded.get() == counts.partRequests.get())).isTrue();
        List<Integer> beforeRestart = List.copyOf(counts.parts);
        counts.reset();

        try (SyncEngine engine = SyncEngine.open(ConfigLoader.load(config))) {
            assertThat(engine.flush(Duration.ofSeconds(60))).isTrue();
        }
        assertThat(beforeRestart).doesNotHaveDuplicates().contains(1, 2, 3).isSubsetOf(1, 2, 3, 4);
        int held = beforeRestart.size();
        List<Integer> missing = java.util.stream.IntStream.rangeClosed(held + 1, PARTS).boxed().toList();
        assertThat(counts.parts).as("parts sent after the restart, counted at the server (held before: %s)",
                beforeRestart).containsExactlyInAnyOrderElementsOf(missing);
        assertThat(counts.partBytes.get()).isEqualTo(data.length - (long) held * PART);
        try (S3BlobProvider p = server.provider(bucket, Map.of()); InputStream in = p.read(sha, 0, -1)) {
            assertThat(Hashing.sha256(in)).isEqualTo(sha);
        }
    }

    private static String log(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}

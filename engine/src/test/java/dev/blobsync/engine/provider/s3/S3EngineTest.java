package dev.blobsync.engine.provider.s3;

import static dev.blobsync.engine.testing.EngineFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.PendingItem;
import dev.blobsync.engine.Record;
import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.testing.EngineFixture;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Engines whose blobs live in S3: errors that say what to fix, a queue that waits, blob URLs. */
class S3EngineTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final S3TestServer server = S3TestServer.get();

    private Path config(String device, String bucket, String secret) throws Exception {
        Path file = dir.resolve(device + ".yaml");
        Files.writeString(file, "data:\n  provider: sqlite\n  config:\n    hub: " + dir.resolve("hub") + "\n"
                + server.blobsYaml(bucket, secret, Map.of())
                + "cache:\n  directory: " + dir.resolve("cache-" + device) + "\n"
                + "sync:\n  pollInterval: 200ms\n"
                + "offline:\n  uploadDelay: 0s\n  retryStrategy: {maxAttempts: 3, initialDelay: 100ms, maxDelay: 300ms}\n"
                + EngineFixture.PHOTOS_SCHEMA);
        return file;
    }

    private static BlobRef image(SyncEngine engine, int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return engine.putBlob(new ByteArrayInputStream(b), "image/jpeg", "photo.jpg");
    }

    private static Optional<PendingItem> queued(SyncEngine engine, BlobRef ref) {
        return engine.offline().upload(ref.sha256());
    }

    @Test
    void queueIsKeptWhileTheBucketIsMissingAndDrainsOnceItExists() throws Exception {
        String bucket = server.missingBucket("engine");
        try (SyncEngine engine = SyncEngine.open(ConfigLoader.load(config("a", bucket, S3TestServer.SECRET_KEY)))) {
            BlobRef ref = image(engine, 200_000, 1);
            engine.table("photos").insert(S3UploadChild.photo("Beach", ref));
            assertThat(eventually(WAIT, () -> queued(engine, ref).map(p -> p.error() != null).orElse(false)))
                    .isTrue();
            PendingItem item = queued(engine, ref).orElseThrow();
            assertThat(item.error()).contains("the bucket does not exist").contains("'blobs.config.bucket' in ")
                    .contains(dir.resolve("a.yaml").toString());
            assertThat(engine.flush(Duration.ofMillis(500))).as("nothing drains yet").isFalse();
            assertThat(engine.offline().pending()).extracting(PendingItem::id).contains(ref.sha256());

            server.createBucket(bucket);
            assertThat(engine.flush(WAIT)).isTrue();
            assertThat(queued(engine, ref)).isEmpty();
            try (S3BlobProvider p = server.provider(bucket, Map.of())) {
                assertThat(p.size(ref.sha256())).hasValue(200_000);
            }
        }
    }

    @Test
    void wrongCredentialsKeepTheQueueUntilTheConfigIsFixed() throws Exception {
        String bucket = server.newBucket("engine");
        BlobRef ref;
        try (SyncEngine engine = SyncEngine.open(ConfigLoader.load(config("a", bucket, "wrong-secret")))) {
            ref = image(engine, 300_000, 2);
            engine.table("photos").insert(S3UploadChild.photo("Hills", ref));
            assertThat(eventually(WAIT, () -> queued(engine, ref).map(p -> p.error() != null).orElse(false)))
                    .isTrue();
            assertThat(queued(engine, ref).orElseThrow().error()).contains("rejected the credentials")
                    .contains("'blobs.config.accessKeyId' and 'blobs.config.secretAccessKey'")
                    .doesNotContain("wrong-secret");
        }
        try (SyncEngine engine = SyncEngine.open(ConfigLoader.load(config("a", bucket, S3TestServer.SECRET_KEY)))) {
            assertThat(engine.offline().pending()).extracting(PendingItem::id).contains(ref.sha256());
            assertThat(engine.flush(WAIT)).isTrue();
            assertThat(engine.offline().pending()).isEmpty();
        }
        try (S3BlobProvider p = server.provider(bucket, Map.of())) {
            assertThat(p.size(ref.sha256())).hasValue(300_000);
        }
    }

    @Test
    void blobUrlIsLocalWhileCachedAndPresignedOnADeviceWithoutTheBlob() throws Exception {
        String bucket = server.newBucket("engine");
        try (SyncEngine a = SyncEngine.open(ConfigLoader.load(config("a", bucket, S3TestServer.SECRET_KEY)));
             SyncEngine b = SyncEngine.open(ConfigLoader.load(config("b", bucket, S3TestServer.SECRET_KEY)))) {
            BlobRef ref = image(a, 150_000, 3);
            Record r = a.table("photos").insert(S3UploadChild.photo("Lake", ref));
            assertThat(a.flush(WAIT)).isTrue();
            assertThat(a.blobUrl(ref)).get().extracting(URI::getScheme).isEqualTo("file");

            assertThat(eventually(WAIT, () -> b.table("photos").get(r.id()).isPresent())).isTrue();
            URI url = b.blobUrl(ref).orElseThrow();
            assertThat(url.getScheme()).isEqualTo("http");
            assertThat(url.getQuery()).contains("X-Amz-Signature=");
            assertThat(b.blobUrl(ref)).as("reused while fresh").contains(url);
            dev.blobsync.engine.BlobUrl withExpiry = b.blobUrlWithExpiry(ref).orElseThrow();
            assertThat(withExpiry.uri()).isEqualTo(url);
            assertThat(withExpiry.expiresAt()).as("urlExpiry defaults to 1h")
                    .isBetween(java.time.Instant.now().plusSeconds(3500), java.time.Instant.now().plusSeconds(3601));
            HttpResponse<byte[]> got = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(got.statusCode()).isEqualTo(200);
            assertThat(got.body()).hasSize(150_000);
            assertThat(dev.blobsync.engine.internal.Hashing.sha256(new ByteArrayInputStream(got.body())))
                    .isEqualTo(ref.sha256());
        }
    }
}

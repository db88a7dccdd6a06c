package dev.blobsync.engine.provider.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.blobsync.engine.Record;
import dev.blobsync.engine.Subscription;
import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.TestEngines;
import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.testing.Deliveries;
import dev.blobsync.engine.testing.EngineFixture;
import dev.blobsync.engine.testing.ManualTime;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A live query on a device that has not cached a blob hands out a presigned S3 URL that fetches
 * the right bytes, and before that URL expires (a fake clock moves the engine's time on) a new
 * delivery brings a freshly signed one that works too.
 */
class PresignedUrlLiveQueryTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final S3TestServer server = S3TestServer.get();

    private Path config(String device, String bucket) throws Exception {
        Path file = dir.resolve(device + ".yaml");
        Files.writeString(file, "data:\n  provider: sqlite\n  config:\n    hub: " + dir.resolve("hub") + "\n"
                + server.blobsYaml(bucket, S3TestServer.SECRET_KEY, Map.of())
                + "cache:\n  directory: " + dir.resolve("cache-" + device) + "\n"
                + "  prefetch: {enabled: false}\n"
                + "sync:\n  pollInterval: 200ms\n"
                + "offline:\n  uploadDelay: 0s\n"
                + EngineFixture.PHOTOS_SCHEMA);
        return file;
    }

    private static byte[] fetch(URI url) throws Exception {
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as("GET " + url).isEqualTo(200);
        return r.body();
    }

    @Test
    void anUncachedBlobGetsAPresignedUrlThatIsResignedBeforeItExpires() throws Exception {
        String bucket = server.newBucket("live");
        byte[] image = new byte[300_000];
        new Random(5).nextBytes(image);
        Record photo;
        try (SyncEngine b = SyncEngine.open(ConfigLoader.load(config("b", bucket)))) {
            photo = b.table("photos").insert(Map.of("title", "Pier", "takenAt", "2026-05-01T09:00:00Z",
                    "familyId", "7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01",
                    "image", b.putBlob(new ByteArrayInputStream(image), "image/jpeg", "pier.jpg")));
            assertThat(b.flush(WAIT)).isTrue();
        }

        ManualTime time = new ManualTime(Instant.now());
        Deliveries deliveries = new Deliveries();
        try (SyncEngine a = TestEngines.openWithTime(ConfigLoader.load(config("a", bucket)), time);
             Subscription sub = a.table("photos").query().includeBlobs("image").subscribe(deliveries)) {
            URI first = deliveries.next(WAIT, "the photo with a presigned URL", r -> r.data().size() == 1
                    && r.blobUrl(photo.id(), "image") != null
                    && r.blobUrl(photo.id(), "image").getScheme().startsWith("http")).blobUrl(photo.id(), "image");
            assertThat(first.getQuery()).contains("X-Amz-Signature");
            assertThat(fetch(first)).isEqualTo(image);
            assertThat(a.blobState(photo.blob("image")).label()).as("handing out a URL fetched nothing")
                    .isEqualTo("remote");

            // A new signature differs only when signed in another second of real time.
            Thread.sleep(1_100);
            // Move the engine's time on, timer by timer, until the URL's renewal comes due.
            URI second = null;
            for (int step = 0; step < 20 && second == null; step++) {
                Instant due = time.nextDue();
                assertThat(due).as("a refresh is scheduled before the URL expires").isNotNull();
                time.advance(Duration.between(time.instant(), due).plusMillis(1));
                try {
                    second = deliveries.next(Duration.ofSeconds(2), "a re-signed URL",
                            r -> r.blobUrl(photo.id(), "image") != null
                                    && !r.blobUrl(photo.id(), "image").equals(first)).blobUrl(photo.id(), "image");
                } catch (AssertionError notYet) {
                    // another timer came first; go on to the next one
                }
            }
            assertThat(second).as("a re-signed URL was delivered").isNotNull();
            assertThat(second.getScheme()).startsWith("http");
            assertThat(fetch(second)).isEqualTo(image);
        }
    }
}

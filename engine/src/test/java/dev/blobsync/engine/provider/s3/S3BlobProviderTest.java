package dev.blobsync.engine.provider.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.spi.PendingUpload;
import dev.blobsync.engine.spi.PresignedUrl;
import dev.blobsync.engine.spi.ProviderException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The s3 provider against S3Proxy with SigV4 checking, counted and fault-injected at the server. */
class S3BlobProviderTest {
    private static final int PART = 5 << 20;
    private static final Map<String, Object> SMALL_PARTS = Map.of("multipartThreshold", "5MiB", "partSize", "5MiB");

    private S3TestServer server;
    private String bucket;
    private S3BlobProvider provider;

    @BeforeEach
    void start() {
        server = S3TestServer.get();
        bucket = server.newBucket("provider");
        provider = server.provider(bucket, SMALL_PARTS);
    }

    @AfterEach
    void stop() {
        provider.close();
    }

    private CountingBlobStore.Counts counts() {
        return server.store().counts(bucket);
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String sha(byte[] b) throws Exception {
        return Hashing.sha256(new ByteArrayInputStream(b));
    }

    private void upload(S3BlobProvider p, byte[] data) throws Exception {
        String key = sha(data);
        String token = p.beginUpload(key, data.length);
        // As the engine's uploader does: appends of at most 8 MiB.
        for (int off = 0; off < data.length; off += 8 << 20) {
            int len = Math.min(8 << 20, data.length - off);
            p.append(key, token, off, new ByteArrayInputStream(data, off, len), len);
        }
        p.complete(key, token);
    }

    private byte[] read(String key, long offset, long length) throws Exception {
        try (InputStream in = provider.read(key, offset, length)) {
            return in.readAllBytes();
        }
    }

    @Test
    void smallBlobIsOneCheckedPutAndReadsBackWholeAndInRanges() throws Exception {
        byte[] data = bytes(300_000, 1);
        upload(provider, data);
        assertThat(counts().puts.get()).isEqualTo(1);
        assertThat(counts().parts).isEmpty();
        assertThat(counts().contentMd5s).as("Content-MD5 sent").hasSize(1);
        String key = sha(data);
        assertThat(read(key, 0, -1)).isEqualTo(data);
        assertThat(read(key, 123_456, 1000)).isEqualTo(Arrays.copyOfRange(data, 123_456, 124_456));
        assertThat(read(key, 299_000, -1)).isEqualTo(Arrays.copyOfRange(data, 299_000, 300_000));
        assertThat(read(key, 300_000, -1)).as("a range from the end").isEmpty();
    }

    @Test
    void largeBlobIsMultipartAndReadsBackAcrossPartBoundaries() throws Exception {
        byte[] data = bytes(4 * PART + 12_345, 2);
        upload(provider, data);
        assertThat(counts().parts).containsExactlyInAnyOrder(1, 2, 3, 4, 5);
        assertThat(counts().partBytes.get()).isEqualTo(data.length);
        assertThat(counts().contentMd5s).as("every part carries Content-MD5").hasSize(5);
        String key = sha(data);
        assertThat(provider.size(key)).hasValue(data.length);
        assertThat(read(key, 0, -1)).isEqualTo(data);
        assertThat(read(key, PART - 10, 20)).isEqualTo(Arrays.copyOfRange(data, PART - 10, PART + 10));
        List<PendingUpload> open = new ArrayList<>();
        provider.listUploads(open::add);
        assertThat(open).isEmpty();
    }

    @Test
    void resumeAfterRestartSendsOnlyTheMissingParts() throws Exception {
        byte[] data = bytes(4 * PART, 3);
        String key = sha(data);
        String token = provider.beginUpload(key, data.length);
        provider.append(key, token, 0, new ByteArrayInputStream(data, 0, 2 * PART), 2 * PART);
        provider.close();
        assertThat(counts().parts).containsExactlyInAnyOrder(1, 2);
        counts().reset();

        provider = server.provider(bucket, SMALL_PARTS);
        long offset = provider.uploadedBytes(key, token);
        assertThat(offset).isEqualTo(2L * PART);
        provider.append(key, token, offset, new ByteArrayInputStream(data, 2 * PART, 2 * PART), 2L * PART);
        provider.complete(key, token);
        assertThat(counts().parts).as("only the missing parts, counted at the server").containsExactlyInAnyOrder(3, 4);
        assertThat(counts().partBytes.get()).isEqualTo(2L * PART);
        assertThat(read(key, 0, -1)).isEqualTo(data);
    }

    @Test
    void serverErrorsOnPartsAndDownloadsAreRetried() throws Exception {
        server.store().failNextParts(bucket, 2);
        byte[] data = bytes(2 * PART + 1, 4);
        upload(provider, data);
        assertThat(counts().parts).containsExactlyInAnyOrder(1, 2, 3);
        server.store().failNextGets(bucket, 2);
        assertThat(read(sha(data), 0, -1)).isEqualTo(data);
    }

    @Test
    void downloadContinuesAfterTheConnectionDrops() throws Exception {
        byte[] data = bytes(3_000_000, 5);
        upload(provider, data);
        int before = counts().gets.get();
        server.store().breakNextGetAfter(bucket, 1_000_000);
        assertThat(read(sha(data), 0, -1)).isEqualTo(data);
        assertThat(counts().gets.get() - before).as("one GET for the rest").isEqualTo(2);
        server.store().breakNextGetAfter(bucket, 10_000);
        assertThat(read(sha(data), 500_000, 100_000)).isEqualTo(Arrays.copyOfRange(data, 500_000, 600_000));
    }

    @Test
    void corruptMultipartUploadIsDiscardedBeforeItBecomesVisible() throws Exception {
        byte[] data = bytes(PART + 100, 6);
        String key = sha(data);
        byte[] corrupt = data.clone();
        corrupt[PART + 5] ^= 1;
        String token = provider.beginUpload(key, data.length);
        provider.append(key, token, 0, new ByteArrayInputStream(corrupt), corrupt.length);
        assertThatThrownBy(() -> provider.complete(key, token)).isInstanceOf(ProviderException.class)
                .hasMessageContaining(key).hasMessageContaining("discarded");
        assertThat(provider.size(key)).isEmpty();
        assertThat(provider.uploadedBytes(key, token)).as("the session was aborted").isEqualTo(-1);
    }

    @Test
    void corruptResumedUploadIsCheckedByReadingBackAndDeleted() throws Exception {
        byte[] data = bytes(2 * PART, 7);
        String key = sha(data);
        String token = provider.beginUpload(key, data.length);
        provider.append(key, token, 0, new ByteArrayInputStream(data, 0, PART), PART);
        provider.close();
        provider = server.provider(bucket, SMALL_PARTS);
        long offset = provider.uploadedBytes(key, token);
        byte[] rest = Arrays.copyOfRange(data, (int) offset, data.length);
        rest[3] ^= 1;
        provider.append(key, token, offset, new ByteArrayInputStream(rest), rest.length);
        assertThatThrownBy(() -> provider.complete(key, token)).hasMessageContaining(key)
                .hasMessageContaining("deleted");
        assertThat(provider.size(key)).isEmpty();
    }

    @Test
    void presignedUrlReturnsTheBytesAndStopsWorkingAfterExpiry() throws Exception {
        byte[] data = bytes(70_000, 8);
        upload(provider, data);
        PresignedUrl url = provider.presignGet(sha(data), Duration.ofSeconds(2)).orElseThrow();
        assertThat(url.expiresAt()).isBetween(Instant.now(), Instant.now().plusSeconds(3));
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<byte[]> ok = http.send(HttpRequest.newBuilder(url.uri()).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo(data);

        String tampered = url.uri().toString().replaceAll("X-Amz-Signature=([0-9a-f])", "X-Amz-Signature=0$1")
                .replaceFirst("X-Amz-Signature=0([0-9a-f]{64})", "X-Amz-Signature=$1")
                .replaceFirst("(X-Amz-Signature=[0-9a-f]{63})[0-9a-f]", "$1x");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(tampered)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).as("tampered signature").isEqualTo(403);

        Thread.sleep(Math.max(0, Duration.between(Instant.now(), url.expiresAt()).toMillis()) + 1100);
        HttpResponse<String> expired = http.send(HttpRequest.newBuilder(url.uri()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(expired.statusCode()).isEqualTo(403);
        assertThat(expired.body()).contains("expired");
    }

    @Test
    void wrongSecretGivesAClearErrorThatNamesTheConfigKeys() throws Exception {
        byte[] data = bytes(1000, 9);
        try (S3BlobProvider wrong = server.provider(bucket, Map.of("secretAccessKey", "not-the-secret"))) {
            assertThatThrownBy(() -> upload(wrong, data))
                    .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.retryable()).isFalse())
                    .hasMessageContaining("rejected the credentials")
                    .hasMessageContaining("SignatureDoesNotMatch")
                    .hasMessageContaining("'blobs.config.accessKeyId' and 'blobs.config.secretAccessKey'")
                    .hasMessageNotContaining("not-the-secret");
            assertThatThrownBy(() -> wrong.size(sha(data))).isInstanceOf(ProviderException.class)
                    .hasMessageContaining("blobs.config.secretAccessKey");
        }
    }

    @Test
    void missingBucketGivesAClearErrorThatNamesTheBucketKey() throws Exception {
        String missing = server.missingBucket("provider");
        try (S3BlobProvider p = server.provider(missing, SMALL_PARTS)) {
            assertThatThrownBy(() -> upload(p, bytes(1000, 10)))
                    .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.retryable()).isFalse())
                    .hasMessageContaining("the bucket does not exist in S3 bucket '" + missing + "'")
                    .hasMessageContaining("'blobs.config.bucket'");
            assertThatThrownBy(() -> upload(p, bytes(PART + 1, 11)))
                    .hasMessageContaining("the bucket does not exist");
        }
    }
}

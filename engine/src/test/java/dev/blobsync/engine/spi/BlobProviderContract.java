package dev.blobsync.engine.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.blobsync.engine.internal.Hashing;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link BlobProvider} meets. A backend's test extends this class and says
 * how to open it; {@link #reopen()} opens a new client of the same store (a restart).
 */
public abstract class BlobProviderContract {
    protected BlobProvider provider;

    protected abstract BlobProvider openFirst() throws Exception;

    /** A new client of the store {@link #openFirst()} made, as after a restart. */
    protected abstract BlobProvider reopen() throws Exception;

    /**
     * The granularity at which the provider holds appended bytes: after appends that end on a
     * multiple of it, a restarted client is told exactly that offset. S3 multipart holds whole
     * parts (its part size); a provider that holds every byte keeps the default.
     */
    protected int resumeUnit() {
        return 400_000;
    }

    /** False for a provider that cannot list blobs and sessions (S3 through a presign endpoint). */
    protected boolean lists() {
        return true;
    }

    @BeforeEach
    void open() throws Exception {
        provider = openFirst();
    }

    @AfterEach
    void close() {
        provider.close();
    }

    protected static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    protected static String sha(byte[] b) throws Exception {
        return Hashing.sha256(new ByteArrayInputStream(b));
    }

    protected void upload(byte[] data) throws Exception {
        String key = sha(data);
        String token = provider.beginUpload(key, data.length);
        provider.append(key, token, 0, new ByteArrayInputStream(data), data.length);
        provider.complete(key, token);
    }

    @Test
    void missingBlobHasNoSize() throws Exception {
        assertThat(provider.size(sha(bytes(10, 1)))).isEmpty();
    }

    @Test
    void uploadedBlobReadsBackWholeAndInRanges() throws Exception {
        byte[] data = bytes(300_000, 2);
        upload(data);
        String key = sha(data);
        assertThat(provider.size(key)).hasValue(data.length);
        try (InputStream in = provider.read(key, 0, -1)) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
        try (InputStream in = provider.read(key, 100_000, 1000)) {
            assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(data, 100_000, 101_000));
        }
        try (InputStream in = provider.read(key, 299_990, -1)) {
            assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(data, 299_990, 300_000));
        }
    }

    @Test
    void uploadResumesFromTheProvidersOffsetAfterARestart() throws Exception {
        int unit = resumeUnit();
        byte[] data = bytes(unit * 5 / 2, 3);
        String key = sha(data);
        String token = provider.beginUpload(key, data.length);
        provider.append(key, token, 0, new ByteArrayInputStream(data, 0, unit), unit);
        provider.close();
        provider = reopen();
        long offset = provider.uploadedBytes(key, token);
        assertThat(offset).isEqualTo(unit);
        assertThat(provider.size(key)).as("not visible before completion").isEmpty();
        provider.append(key, token, offset, new ByteArrayInputStream(data, (int) offset, data.length - (int) offset),
                data.length - offset);
        provider.complete(key, token);
        try (InputStream in = provider.read(key, 0, -1)) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
    }

    @Test
    void uploadWhoseBytesDoNotMatchTheKeyNeverBecomesVisible() throws Exception {
        byte[] data = bytes(50_000, 4);
        String key = sha(data);
        byte[] corrupt = data.clone();
        corrupt[100] ^= 1;
        String token = provider.beginUpload(key, data.length);
        provider.append(key, token, 0, new ByteArrayInputStream(corrupt), corrupt.length);
        assertThatThrownBy(() -> provider.complete(key, token)).isInstanceOf(ProviderException.class)
                .hasMessageContaining(key);
        assertThat(provider.size(key)).isEmpty();
    }

    @Test
    void unknownSessionReportsNoOffset() throws Exception {
        byte[] data = bytes(10, 5);
        String key = sha(data);
        String token = provider.beginUpload(key, data.length);
        provider.abort(key, token);
        assertThat(provider.uploadedBytes(key, token)).isEqualTo(-1);
    }

    @Test
    void deleteRemovesTheBlobAndIsIdempotent() throws Exception {
        byte[] data = bytes(1000, 6);
        upload(data);
        String key = sha(data);
        provider.delete(key);
        provider.delete(key);
        assertThat(provider.size(key)).isEmpty();
    }

    @Test
    void uploadingTheSameBytesTwiceKeepsOneCopy() throws Exception {
        byte[] data = bytes(2000, 7);
        upload(data);
        upload(data);
        assertThat(provider.size(sha(data))).hasValue(2000);
    }

    @Test
    void statAndListingShowStoredBlobsWithTheirAge() throws Exception {
        if (!lists()) {
            // A provider that cannot list says so (blobsync gc then refuses with this reason).
            assertThatThrownBy(() -> provider.listBlobs(b -> { })).isInstanceOf(ProviderException.class)
                    .hasMessageContaining("cannot list");
            return;
        }
        Instant before = Instant.now().minusSeconds(60);
        byte[] a = bytes(3000, 8);
        byte[] b = bytes(4000, 9);
        upload(a);
        upload(b);
        Optional<StoredBlob> stat = provider.stat(sha(a));
        assertThat(stat).isPresent();
        assertThat(stat.get().size()).isEqualTo(3000);
        assertThat(stat.get().lastModified()).isBetween(before, Instant.now().plusSeconds(60));
        assertThat(provider.stat(sha(bytes(10, 1)))).isEmpty();
        List<StoredBlob> listed = new ArrayList<>();
        provider.listBlobs(listed::add);
        assertThat(listed).extracting(StoredBlob::key).contains(sha(a), sha(b)).doesNotHaveDuplicates();
        String keyB = sha(b);
        assertThat(listed).filteredOn(x -> x.key().equals(keyB)).extracting(StoredBlob::size)
                .containsExactly(4000L);
    }

    @Test
    void openSessionsAreListedUntilAborted() throws Exception {
        if (!lists()) {
            // Either it holds no sessions of its own to list, or it says it cannot list them.
            List<PendingUpload> none = new ArrayList<>();
            try {
                provider.listUploads(none::add);
                assertThat(none).isEmpty();
            } catch (ProviderException e) {
                assertThat(e.getMessage()).contains("cannot list");
            }
            return;
        }
        int unit = resumeUnit();
        byte[] data = bytes(unit * 5 / 2, 10);
        String key = sha(data);
        String token = provider.beginUpload(key, data.length);
        provider.append(key, token, 0, new ByteArrayInputStream(data, 0, unit), unit);
        List<PendingUpload> open = new ArrayList<>();
        provider.listUploads(open::add);
        assertThat(open).extracting(PendingUpload::key).contains(key);
        PendingUpload listed = open.stream().filter(u -> u.key().equals(key)).findFirst().orElseThrow();
        provider.abort(key, listed.token());
        List<PendingUpload> after = new ArrayList<>();
        provider.listUploads(after::add);
        assertThat(after).extracting(PendingUpload::key).doesNotContain(key);
        assertThat(provider.uploadedBytes(key, token)).isEqualTo(-1);
        List<StoredBlob> listed2 = new ArrayList<>();
        provider.listBlobs(listed2::add);
        assertThat(listed2).extracting(StoredBlob::key).doesNotContain(key);
    }

    @Test
    void presignedUrlWhenOfferedReadsTheBytes() throws Exception {
        byte[] data = bytes(5000, 11);
        upload(data);
        Optional<PresignedUrl> url = provider.presignGet(sha(data), Duration.ofMinutes(5));
        if (url.isEmpty()) {
            return;
        }
        assertThat(url.get().expiresAt()).isAfter(Instant.now());
        byte[] got;
        if ("file".equals(url.get().uri().getScheme())) {
            got = Files.readAllBytes(Path.of(url.get().uri()));
        } else {
            HttpResponse<byte[]> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(url.get().uri()).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(r.statusCode()).isEqualTo(200);
            got = r.body();
        }
        assertThat(got).isEqualTo(data);
    }

    @Test
    void appendAtAnOffsetTheProviderIsNotAtFailsRetryablyAndChangesNothing() throws Exception {
        int unit = resumeUnit();
        byte[] data = bytes(unit * 5 / 2, 8);
        String key = sha(data);
        String token = provider.beginUpload(key, data.length);
        provider.append(key, token, 0, new ByteArrayInputStream(data, 0, unit), unit);
        int wrong = unit / 2;
        assertThatThrownBy(() -> provider.append(key, token, wrong,
                new ByteArrayInputStream(data, wrong, data.length - wrong), data.length - wrong))
                .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.retryable()).isTrue());
        assertThat(provider.uploadedBytes(key, token)).isEqualTo(unit);
        provider.append(key, token, unit, new ByteArrayInputStream(data, unit, data.length - unit),
                data.length - unit);
        provider.complete(key, token);
        try (InputStream in = provider.read(key, 0, -1)) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
    }

    @Test
    void emptyBlobUploadsAndReadsBack() throws Exception {
        byte[] empty = new byte[0];
        upload(empty);
        assertThat(provider.size(sha(empty))).hasValue(0);
        try (InputStream in = provider.read(sha(empty), 0, -1)) {
            assertThat(in.readAllBytes()).isEmpty();
        }
    }

    @Test
    void readingAtTheEndGivesNoBytes() throws Exception {
        byte[] data = bytes(5000, 9);
        upload(data);
        try (InputStream in = provider.read(sha(data), 5000, -1)) {
            assertThat(in.readAllBytes()).isEmpty();
        }
        try (InputStream in = provider.read(sha(data), 4990, 100)) {
            assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(data, 4990, 5000));
        }
    }

    @Test
    void readingAMissingBlobFailsAndRetryingCannotHelp() throws Exception {
        String key = sha(bytes(10, 10));
        assertThatThrownBy(() -> provider.read(key, 0, -1).close())
                .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.retryable()).isFalse());
    }

    @Test
    void completingTwiceIsHarmless() throws Exception {
        byte[] data = bytes(3000, 11);
        String key = sha(data);
        String token = provider.beginUpload(key, data.length);
        provider.append(key, token, 0, new ByteArrayInputStream(data), data.length);
        provider.complete(key, token);
        provider.complete(key, token);
        assertThat(provider.size(key)).hasValue(data.length);
    }
}

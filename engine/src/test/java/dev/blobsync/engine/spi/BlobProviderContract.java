package dev.blobsync.engine.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.blobsync.engine.internal.Hashing;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Arrays;
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
        byte[] data = bytes(1_000_000, 3);
        String key = sha(data);
        String token = provider.beginUpload(key, data.length);
        provider.append(key, token, 0, new ByteArrayInputStream(data, 0, 400_000), 400_000);
        provider.close();
        provider = reopen();
        long offset = provider.uploadedBytes(key, token);
        assertThat(offset).isEqualTo(400_000);
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
    void appendAtAnOffsetTheProviderIsNotAtFailsRetryablyAndChangesNothing() throws Exception {
        byte[] data = bytes(100_000, 8);
        String key = sha(data);
        String token = provider.beginUpload(key, data.length);
        provider.append(key, token, 0, new ByteArrayInputStream(data, 0, 60_000), 60_000);
        assertThatThrownBy(() -> provider.append(key, token, 30_000,
                new ByteArrayInputStream(data, 30_000, 70_000), 70_000))
                .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.retryable()).isTrue());
        assertThat(provider.uploadedBytes(key, token)).isEqualTo(60_000);
        provider.append(key, token, 60_000, new ByteArrayInputStream(data, 60_000, 40_000), 40_000);
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

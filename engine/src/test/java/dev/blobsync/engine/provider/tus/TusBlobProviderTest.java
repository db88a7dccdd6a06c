package dev.blobsync.engine.provider.tus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.spi.ProviderException;
import dev.blobsync.engine.testing.TusNodeServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What is particular to tus, against @tus/server in both modes (the contract is in the contract tests). */
class TusBlobProviderTest {
    private static final long MIB = 1 << 20;
    @TempDir
    static Path dir;
    static TusNodeServer plain;
    static TusNodeServer supabase;

    @BeforeAll
    static void startServers() throws Exception {
        plain = TusNodeServer.start(dir.resolve("plain"), TusNodeServer.Mode.PLAIN);
        supabase = TusNodeServer.start(dir.resolve("supabase"), TusNodeServer.Mode.SUPABASE);
    }

    @AfterAll
    static void stopServers() throws Exception {
        for (TusNodeServer s : new TusNodeServer[] {plain, supabase}) {
            if (s != null) {
                s.close();
            }
        }
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String sha(byte[] b) throws Exception {
        return Hashing.sha256(new ByteArrayInputStream(b));
    }

    /** The offsets of the store's writes for {@code uploadId}, in order. */
    private static List<Long> writeOffsets(TusNodeServer server, String uploadId) throws Exception {
        List<Long> out = new ArrayList<>();
        for (JsonNode w : server.stats().path("writes")) {
            if (w.path("id").asText().equals(uploadId)) {
                out.add(w.path("offset").asLong());
            }
        }
        return out;
    }

    /** Appends {@code data} in pieces of {@code piece} bytes, as the engine's uploader does. */
    private static void appendInPieces(TusBlobProvider p, String key, String token, byte[] data, int from, int piece)
            throws ProviderException {
        for (int at = from; at < data.length; at += piece) {
            int n = Math.min(piece, data.length - at);
            p.append(key, token, at, new ByteArrayInputStream(data, at, n), n);
        }
    }

    @Test
    void appendsAreSentInRequestsOfAtMostRequestPayloadSize() throws Exception {
        byte[] data = bytes(300_000, 20);
        String key = sha(data);
        try (TusBlobProvider p = TusBlobProvider.open(plain.settings().withRequestPayloadSize(64 << 10))) {
            String token = p.beginUpload(key, data.length);
            p.append(key, token, 0, new ByteArrayInputStream(data), data.length);
            p.complete(key, token);
            assertThat(URI.create(token).getPath()).as("@tus/server named the upload by its metadata")
                    .isEqualTo("/files/" + key);
            assertThat(writeOffsets(plain, key)).containsExactly(0L, 65_536L, 131_072L, 196_608L, 262_144L);
            assertThat(p.urlOf(key)).hasValue(plain.base() + "/blobs/" + key);
        }
        assertThat(Files.readAllBytes(plain.storedFile(key))).isEqualTo(data);
    }

    @Test
    void supabaseGetsChunksOfExactlySixMibWhateverTheAppendSize() throws Exception {
        byte[] data = bytes((int) (20 * MIB + 12_345), 30);
        String key = sha(data);
        try (TusBlobProvider p = TusBlobProvider.open(supabase.settings())) {
            String token = p.beginUpload(key, data.length);
            appendInPieces(p, key, token, data, 0, (int) (8 * MIB));
            p.complete(key, token);
        }
        String id = supabase.stats().path("objects").path(supabase.objectName(key)).path("id").asText();
        assertThat(writeOffsets(supabase, id)).containsExactly(0L, 6 * MIB, 12 * MIB, 18 * MIB);
        assertThat(Hashing.sha256(supabase.storedFile(key))).isEqualTo(key);
    }

    @Test
    void wrongCredentialsNameTheConfigKeysAndNeverShowTheKey() throws Exception {
        TusSettings wrong = TusSettings.supabase(supabase.base(), TusNodeServer.BUCKET, TusNodeServer.PREFIX,
                "not-the-key-42");
        try (TusBlobProvider p = TusBlobProvider.open(wrong)) {
            String key = sha(bytes(10, 31));
            assertThatThrownBy(() -> p.size(key)).isInstanceOfSatisfying(ProviderException.class, e -> {
                assertThat(e.retryable()).isFalse();
                assertThat(e.getMessage()).contains("401").contains("blobs.config.accessToken")
                        .contains("blobs.config.apiKey").doesNotContain("not-the-key-42");
            });
            assertThatThrownBy(() -> p.beginUpload(key, 10)).hasMessageContaining("check blobs.config.accessToken");
        }
        TusSettings badToken = supabase.settings().withHeaders(Map.of("Authorization", "Bearer nope",
                "apikey", TusNodeServer.KEY));
        try (TusBlobProvider p = TusBlobProvider.open(badToken)) {
            assertThatThrownBy(() -> p.size(sha(bytes(10, 32)))).hasMessageContaining("403")
                    .hasMessageContaining("blobs.config.accessToken");
        }
    }

    @Test
    void alreadyExistsMeansStored() throws Exception {
        byte[] data = bytes(70_000, 33);
        String key = sha(data);
        try (TusBlobProvider first = TusBlobProvider.open(supabase.settings());
             TusBlobProvider second = TusBlobProvider.open(supabase.settings())) {
            String token = first.beginUpload(key, data.length);
            first.append(key, token, 0, new ByteArrayInputStream(data), data.length);
            first.complete(key, token);
            long existsBefore = supabase.stats().path("exists").asLong();

            String again = second.beginUpload(key, data.length);
            assertThat(again).as("x-upsert: false was answered 'already exists'").startsWith("stored:");
            second.append(key, again, 0, new ByteArrayInputStream(data), data.length);
            second.complete(key, again);
            assertThat(second.uploadedBytes(key, again)).isEqualTo(data.length);
            assertThat(supabase.stats().path("exists").asLong()).isEqualTo(existsBefore + 1);
        }
        assertThat(supabase.finished(key)).isEqualTo(1);
    }

    @Test
    void aPatchMeetingAnotherUploadsLockIsRetriedWithBackoffThenSeesExists() throws Exception {
        byte[] data = bytes((int) (7 * MIB), 34);
        String key = sha(data);
        long hold = supabase.bytesReceived() + MIB;
        supabase.holdAt(hold);
        List<Duration> sleeps = new CopyOnWriteArrayList<>();
        Thread a;
        try (TusBlobProvider first = TusBlobProvider.open(supabase.settings())) {
            String tokenA = first.beginUpload(key, data.length);
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            a = new Thread(() -> {
                try {
                    appendInPieces(first, key, tokenA, data, 0, (int) (8 * MIB));
                    first.complete(key, tokenA);
                } catch (Throwable t) {
                    failures.add(t);
                }
            }, "upload-a");
            a.start();
            while (supabase.bytesReceived() < hold) {
                Thread.sleep(10);
            }
            TusHttp.Sleeper sleeper = d -> {
                sleeps.add(d);
                if (sleeps.size() == 1) {
                    try {
                        supabase.release();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    a.join(30_000);
                }
            };
            try (TusBlobProvider second = TusBlobProvider.open(supabase.settings(), sleeper, Clock.systemUTC())) {
                String tokenB = second.beginUpload(key, data.length);
                appendInPieces(second, key, tokenB, data, 0, (int) (8 * MIB));
                second.complete(key, tokenB);
            }
            assertThat(failures).isEmpty();
        } finally {
            supabase.release();
        }
        assertThat(sleeps).as("one wait for the lock, then 'already exists'").hasSize(1);
        assertThat(sleeps.get(0)).isLessThanOrEqualTo(TusHttp.LOCK_RETRY.maxDelay());
        assertThat(supabase.finished(key)).isEqualTo(1);
        assertThat(Hashing.sha256(supabase.storedFile(key))).isEqualTo(key);
    }

    @Test
    void supabaseSignsUrlsThatReadWithoutCredentials() throws Exception {
        byte[] data = bytes(5000, 35);
        String key = sha(data);
        try (TusBlobProvider p = TusBlobProvider.open(supabase.settings())) {
            String token = p.beginUpload(key, data.length);
            p.append(key, token, 0, new ByteArrayInputStream(data), data.length);
            p.complete(key, token);
            var url = p.presignGet(key, Duration.ofMinutes(5)).orElseThrow();
            assertThat(url.uri().getPath()).startsWith("/storage/v1/object/sign/photos/blobs/" + key);
            assertThat(p.urlOf(key)).as("the authenticated object URL needs the key").isEmpty();
            try (InputStream in = url.uri().toURL().openStream()) {
                assertThat(in.readAllBytes()).isEqualTo(data);
            }
        }
    }

    @Test
    void anUploadResumedByAnotherProcessIsCheckedByReadingItBack() throws Exception {
        byte[] data = bytes(900_000, 36);
        String key = sha(data);
        byte[] corrupt = data.clone();
        corrupt[800_000] ^= 1;
        String token;
        try (TusBlobProvider first = TusBlobProvider.open(plain.settings())) {
            token = first.beginUpload(key, data.length);
            first.append(key, token, 0, new ByteArrayInputStream(data, 0, 500_000), 500_000);
        }
        try (TusBlobProvider second = TusBlobProvider.open(plain.settings())) {
            long offset = second.uploadedBytes(key, token);
            assertThat(offset).isEqualTo(500_000);
            second.append(key, token, offset, new ByteArrayInputStream(corrupt, 500_000, 400_000), 400_000);
            String t = token;
            assertThatThrownBy(() -> second.complete(key, t))
                    .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.retryable()).isFalse())
                    .hasMessageContaining("another SHA-256");
            assertThat(second.size(key)).as("the bytes that do not match are gone").isEmpty();
        }
    }

    @Test
    void aSessionOnAnotherServerIsUnknownHere() throws Exception {
        try (TusBlobProvider p = TusBlobProvider.open(plain.settings())) {
            String key = sha(bytes(10, 23));
            assertThat(p.uploadedBytes(key, "http://127.0.0.1:1/files/abc")).isEqualTo(-1);
            assertThatThrownBy(() -> p.uploadedBytes(key, "not a url"))
                    .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.retryable()).isFalse());
        }
    }

    @Test
    void anUnreachableServerIsRetryable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        TusSettings s = TusSettings.of(URI.create("http://127.0.0.1:" + port + "/files/"),
                "http://127.0.0.1:" + port + "/blobs/" + TusSettings.KEY).withTimeout(Duration.ofSeconds(2));
        try (TusBlobProvider p = TusBlobProvider.open(s)) {
            String key = sha(bytes(10, 24));
            assertThatThrownBy(() -> p.size(key))
                    .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.retryable()).isTrue());
            assertThatThrownBy(p::ping)
                    .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.retryable()).isTrue());
        }
    }

    @Test
    void pingAsksTheEndpointAndReadsCheckTheirRange() throws Exception {
        try (TusBlobProvider p = TusBlobProvider.open(plain.settings())) {
            p.ping();
            byte[] data = bytes(70_000, 25);
            String key = sha(data);
            String token = p.beginUpload(key, data.length);
            p.append(key, token, 0, new ByteArrayInputStream(data), data.length);
            p.complete(key, token);
            try (InputStream in = p.read(key, 1, 1)) {
                assertThat(in.readAllBytes()).containsExactly(data[1]);
            }
            assertThatThrownBy(() -> p.read(key, 80_000, -1))
                    .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.retryable()).isFalse());
        }
    }

    @Test
    void aClosedProviderRefusesCalls() throws Exception {
        TusBlobProvider p = TusBlobProvider.open(plain.settings());
        p.close();
        assertThatThrownBy(() -> p.size(sha(bytes(1, 26)))).isInstanceOf(ProviderException.class)
                .hasMessageContaining("closed");
    }
}

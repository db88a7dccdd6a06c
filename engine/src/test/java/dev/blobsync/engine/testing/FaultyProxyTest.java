package dev.blobsync.engine.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault-injecting proxy itself: it fails what it says, reproducibly, and stops by itself.
 * The server behind it is {@link TusTestServer} because the test puts a blob straight into its
 * read side's folder, without an upload, and needs nothing of tus; @tus/server would need a
 * real upload first.
 */
class FaultyProxyTest {
    private static final String KEY = "ab".repeat(32);
    private static final int SIZE = 100_000;

    @TempDir
    static Path dir;
    static TusTestServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = TusTestServer.start(dir);
        byte[] blob = new byte[SIZE];
        new Random(1).nextBytes(blob);
        Files.write(server.storedFile(KEY), blob);
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    /**
     * Sends {@code n} GETs one after another over kept-alive connections, opening a new one
     * after each failure; true for each request that got its whole response.
     */
    private static List<Boolean> run(FaultyProxy proxy, int n) throws IOException {
        List<Boolean> outcome = new ArrayList<>();
        Socket socket = null;
        for (int i = 0; i < n; i++) {
            boolean ok = false;
            try {
                if (socket == null) {
                    socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
                    socket.setSoTimeout(5_000);
                }
                OutputStream out = socket.getOutputStream();
                out.write(("GET /blobs/" + KEY + " HTTP/1.1\r\nHost: test\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                ok = readResponse(new BufferedInputStream(socket.getInputStream(), 1));
            } catch (IOException e) {
                ok = false;
            }
            if (!ok && socket != null) {
                socket.close();
                socket = null;
            }
            outcome.add(ok);
        }
        if (socket != null) {
            socket.close();
        }
        return outcome;
    }

    /** Reads one response; true when it is a 200 with the whole blob. */
    private static boolean readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0 || head.size() > 10_000) {
                return false;
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        if (!text.startsWith("HTTP/1.1 200") || !text.toLowerCase().contains("content-length: " + SIZE)) {
            return false;
        }
        return in.readNBytes(SIZE).length == SIZE;
    }

    @Test
    void withoutFaultsEveryRequestPassesOverOneConnection() throws Exception {
        try (FaultyProxy proxy = FaultyProxy.start(server.port(), 0, 1, Duration.ofMinutes(1))) {
            assertThat(run(proxy, 20)).containsOnly(true);
            assertThat(proxy.connections()).isEqualTo(1);
            assertThat(proxy.requests()).isEqualTo(20);
        }
    }

    @Test
    void aSeededProxyFailsTheSameRequestsAgainAndAboutTheShareAskedFor() throws Exception {
        List<Boolean> first;
        List<Boolean> second;
        FaultyProxy a = FaultyProxy.start(server.port(), 0.3, 42, Duration.ofMinutes(1));
        try (a) {
            first = run(a, 150);
        }
        try (FaultyProxy b = FaultyProxy.start(server.port(), 0.3, 42, Duration.ofMinutes(1))) {
            second = run(b, 150);
        }
        assertThat(second).isEqualTo(first);
        long failed = first.stream().filter(ok -> !ok).count();
        assertThat(failed).isBetween(25L, 70L);
        assertThat(a.faults()).isEqualTo((int) failed);
        for (FaultyProxy.Fault f : FaultyProxy.Fault.values()) {
            assertThat(a.faults(f)).as(f.name()).isPositive();
        }
    }

    @Test
    void itStopsByItselfAfterItsLifetime() throws Exception {
        FaultyProxy proxy = FaultyProxy.start(server.port(), 0, 1, Duration.ofMillis(300));
        int port = proxy.port();
        assertThat(EngineFixture.eventually(Duration.ofSeconds(5), () -> {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return false;
            } catch (IOException e) {
                return true;
            }
        })).isTrue();
        assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
                .isInstanceOf(ConnectException.class);
    }
}

package dev.blobsync.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.FlushResult;
import dev.blobsync.engine.SyncEngine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets {@code blobsync queue} and {@code blobsync flush} talk to a running mount: a Unix socket
 * in the cache folder ({@code control.sock}, reachable only by the folder's owner) speaking one
 * JSON request per connection and answering with JSON lines.
 *
 * <p>Requests: {@code {"cmd":"queue"}} → one line {@code {"stats":…,"items":[…]}};
 * {@code {"cmd":"flush","timeoutSeconds":N}} → progress lines {@code {"stats":…}} and a last
 * line {@code {"done":true,"complete":bool,"left":[…]}}.
 */
final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    static final ObjectMapper JSON = new ObjectMapper();

    private final SyncEngine engine;
    private final Path socket;
    private final ServerSocketChannel server;
    private final Thread thread;
    private volatile boolean running = true;

    private ControlServer(SyncEngine engine, Path socket, ServerSocketChannel server) {
        this.engine = engine;
        this.socket = socket;
        this.server = server;
        this.thread = new Thread(this::acceptLoop, "blobsync-control");
        this.thread.setDaemon(true);
    }

    static Path socketOf(SyncEngine engine) {
        return engine.config().cache().directory().resolve("control.sock");
    }

    /** Starts listening; a stale socket from a killed process is replaced. */
    static ControlServer start(SyncEngine engine) throws IOException {
        Path socket = socketOf(engine);
        Files.deleteIfExists(socket);
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ch.bind(UnixDomainSocketAddress.of(socket));
        ControlServer s = new ControlServer(engine, socket, ch);
        s.thread.start();
        return s;
    }

    private void acceptLoop() {
        while (running) {
            try {
                SocketChannel client = server.accept();
                Thread t = new Thread(() -> serve(client), "blobsync-control-client");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (running) {
                    LOG.warn("The control socket {} failed: {}", socket, e.toString());
                }
                return;
            }
        }
    }

    private void serve(SocketChannel client) {
        try (client;
             BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(client),
                     StandardCharsets.UTF_8));
             OutputStream out = Channels.newOutputStream(client)) {
            String line = in.readLine();
            if (line == null) {
                return;
            }
            ObjectNode req = (ObjectNode) JSON.readTree(line);
            switch (req.path("cmd").asText()) {
                case "queue" -> write(out, JSON.createObjectNode()
                        .<ObjectNode>set("stats", JSON.valueToTree(engine.offline().stats()))
                        .set("items", JSON.valueToTree(engine.offline().pending())));
                case "flush" -> {
                    Duration timeout = Duration.ofSeconds(req.path("timeoutSeconds").asLong(600));
                    FlushResult r = engine.offline().flush(timeout, stats -> {
                        try {
                            write(out, JSON.createObjectNode().set("stats", JSON.valueToTree(stats)));
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                    write(out, JSON.createObjectNode().put("done", true).put("complete", r.complete())
                            .set("left", JSON.valueToTree(r.left())));
                }
                default -> write(out, JSON.createObjectNode().put("error", "unknown command: " + line));
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("A control client went away: {}", e.toString());
        }
    }

    private static void write(OutputStream out, ObjectNode node) throws IOException {
        out.write((JSON.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() {
        running = false;
        try {
            server.close();
            Files.deleteIfExists(socket);
        } catch (IOException ignored) {
            // The socket file is replaced on the next start anyway.
        }
    }
}

package dev.blobsync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.EngineException;
import dev.blobsync.engine.FlushResult;
import dev.blobsync.engine.QueueStats;
import dev.blobsync.engine.config.EngineConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets the commands talk to a running mount: a Unix socket in the cache folder
 * ({@code control.sock}, reachable only by the folder's owner) taking one JSON request per
 * connection and answering with JSON lines. An {@code {"error": "…"}} line says, in words, why a
 * request was refused.
 *
 * <p>Requests ({@code cmd}):
 * <ul>
 *   <li>{@code queue} → {@code {"stats":…,"items":[…]}}; {@code status} → {@code {"status":…}};</li>
 *   <li>{@code flush} with {@code timeoutSeconds} → lines {@code {"stats":…}}, then
 *       {@code {"done":true,"complete":bool,"left":[…]}};</li>
 *   <li>{@code pin-rule} with {@code table}, {@code where} (texts like {@code takenAt>=2026-01-01})
 *       and {@code priority} → {@code {"rule":…}}; {@code pin-rules} → {@code {"rules":[…]}};
 *       {@code unpin-rule} with {@code id} → {@code {"removed":bool}};
 *       {@code pin-progress} → {@code {"progress":…}};</li>
 *   <li>{@code pin-path} with {@code path} (inside the mount) and {@code priority} (null clears)
 *       → {@code {"ok":true}};</li>
 *   <li>{@code unmount} → lines {@code {"step":"…"}}, then {@code {"done":true,"left":…}}; the
 *       mount then stops.</li>
 * </ul>
 */
final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    static final ObjectMapper JSON = new ObjectMapper();

    /** What only a mount can do, beyond its engine. */
    interface Mount {
        void setPriority(String pathInMount, String priority);

        /** Saves open files and unmounts, reporting steps; returns what stays queued. */
        QueueStats unmount(Consumer<String> steps);

        /** Called once the unmount's answer is written: the mount may now end. */
        void stopped();
    }

    private final EngineControl engine;
    private final Mount mount;
    private final Path socket;
    private final ServerSocketChannel server;
    private final Thread thread;
    private volatile boolean running = true;

    private ControlServer(EngineControl engine, Mount mount, Path socket, ServerSocketChannel server) {
        this.engine = engine;
        this.mount = mount;
        this.socket = socket;
        this.server = server;
        this.thread = new Thread(this::acceptLoop, "blobsync-control");
        this.thread.setDaemon(true);
    }

    static Path socketOf(EngineConfig cfg) {
        return cfg.cache().directory().resolve("control.sock");
    }

    /** Starts listening; a stale socket from a killed process is replaced. */
    static ControlServer start(EngineConfig cfg, EngineControl engine, Mount mount) throws IOException {
        Path socket = socketOf(cfg);
        Files.deleteIfExists(socket);
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ch.bind(UnixDomainSocketAddress.of(socket));
        ControlServer s = new ControlServer(engine, mount, socket, ch);
        s.thread.start();
        return s;
    }

    Path socket() {
        return socket;
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
            JsonNode req = JSON.readTree(line);
            try {
                answer(req, node -> write(out, node));
            } catch (EngineException | IllegalArgumentException | IllegalStateException e) {
                LOG.info("Control request {} refused: {}", req.path("cmd").asText(), e.getMessage());
                write(out, JSON.createObjectNode().put("error", Messages.of(e)));
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("A control client went away: {}", e.toString());
        } catch (RuntimeException e) {
            LOG.warn("A control request failed", e);
        }
    }

    private void answer(JsonNode req, Consumer<ObjectNode> out) {
        ObjectNode a = JSON.createObjectNode();
        switch (req.path("cmd").asText()) {
            case "queue" -> {
                Control.Listing l = engine.queue();
                out.accept(a.<ObjectNode>set("stats", JSON.valueToTree(l.stats())).set("items", JSON.valueToTree(l.items())));
            }
            case "status" -> out.accept(a.set("status", JSON.valueToTree(engine.status())));
            case "flush" -> {
                Duration timeout = Duration.ofSeconds(req.path("timeoutSeconds").asLong(600));
                FlushResult r = engine.flush(timeout, stats -> out.accept(JSON.createObjectNode()
                        .set("stats", JSON.valueToTree(stats))));
                out.accept(a.put("done", true).put("complete", r.complete()).set("left", JSON.valueToTree(r.left())));
            }
            case "pin-rule" -> {
                List<String> where = new ArrayList<>();
                req.path("where").forEach(w -> where.add(w.asText()));
                out.accept(a.set("rule", JSON.valueToTree(engine.pinRule(req.path("table").asText(), where,
                        req.path("priority").asText("high")))));
            }
            case "pin-rules" -> out.accept(a.set("rules", JSON.valueToTree(engine.pinRules())));
            case "unpin-rule" -> out.accept(a.put("removed", engine.unpinRule(req.path("id").asLong())));
            case "pin-progress" -> out.accept(a.set("progress", JSON.valueToTree(engine.pinProgress())));
            case "pin-path" -> {
                JsonNode p = req.path("priority");
                mount.setPriority(req.path("path").asText(), p.isNull() || p.isMissingNode() ? null : p.asText());
                out.accept(a.put("ok", true));
            }
            case "unmount" -> {
                try {
                    // A client that goes away must not stop the unmount half-way.
                    QueueStats left = mount.unmount(step -> {
                        try {
                            out.accept(JSON.createObjectNode().put("step", step));
                        } catch (UncheckedIOException gone) {
                            LOG.debug("The unmount's client went away: {}", gone.toString());
                        }
                    });
                    out.accept(a.put("done", true).set("left", JSON.valueToTree(left)));
                } finally {
                    mount.stopped();
                }
            }
            default -> throw new IllegalArgumentException("This mount does not know the request '"
                    + req.path("cmd").asText() + "'; is the command newer than the running mount?");
        }
    }

    private static void write(OutputStream out, ObjectNode node) {
        try {
            out.write((JSON.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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

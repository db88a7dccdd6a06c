package dev.blobsync.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.FlushResult;
import dev.blobsync.engine.PendingItem;
import dev.blobsync.engine.PinProgress;
import dev.blobsync.engine.QueueStats;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@link Control} of a running mount over its control socket ({@link ControlServer} gives the
 * protocol): one request per connection, answered with JSON lines.
 */
final class ControlClient implements Control {
    static final ObjectMapper JSON = new ObjectMapper();

    private final Path socket;

    ControlClient(Path socket) {
        this.socket = socket;
    }

    /** Whether a mount listens on {@code socket} (a file left by a killed mount does not count). */
    static boolean reachable(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** One request: the answer's lines, read one by one; close the exchange when done. */
    final class Exchange implements AutoCloseable {
        private final SocketChannel channel;
        private final BufferedReader in;

        Exchange(ObjectNode request) {
            try {
                channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                channel.connect(UnixDomainSocketAddress.of(socket));
                channel.write(ByteBuffer.wrap((JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8)));
                in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IllegalStateException("The running mount did not answer on " + socket + " (" + e.getMessage()
                        + "). If it was killed, start it again.", e);
            }
        }

        /** The next line of the answer; an {@code error} line becomes an exception with its words. */
        JsonNode next() {
            try {
                String line = in.readLine();
                if (line == null) {
                    throw new IllegalStateException("The mount stopped answering (see its log).");
                }
                JsonNode n = JSON.readTree(line);
                if (n.has("error")) {
                    throw new IllegalArgumentException(n.get("error").asText());
                }
                return n;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Nothing left to say to the mount.
            }
        }
    }

    ObjectNode request(String cmd) {
        return JSON.createObjectNode().put("cmd", cmd);
    }

    private JsonNode ask(ObjectNode request) {
        try (Exchange x = new Exchange(request)) {
            return x.next();
        }
    }

    private static <T> T as(JsonNode n, Class<T> type) {
        try {
            return JSON.treeToValue(n, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Views.Status status() {
        return as(ask(request("status")).get("status"), Views.Status.class);
    }

    @Override
    public Listing queue() {
        JsonNode answer = ask(request("queue"));
        List<PendingItem> items = new ArrayList<>();
        answer.get("items").forEach(n -> items.add(as(n, PendingItem.class)));
        return new Listing(as(answer.get("stats"), QueueStats.class), items);
    }

    @Override
    public FlushResult flush(Duration timeout, Consumer<QueueStats> progress) {
        try (Exchange x = new Exchange(request("flush").put("timeoutSeconds", timeout.toSeconds()))) {
            while (true) {
                JsonNode n = x.next();
                if (n.has("stats")) {
                    progress.accept(as(n.get("stats"), QueueStats.class));
                } else if (n.path("done").asBoolean()) {
                    List<PendingItem> left = new ArrayList<>();
                    n.get("left").forEach(i -> left.add(as(i, PendingItem.class)));
                    return new FlushResult(n.path("complete").asBoolean(), left);
                }
            }
        }
    }

    @Override
    public Views.Rule pinRule(String table, List<String> where, String priority) {
        ObjectNode req = request("pin-rule").put("table", table).put("priority", priority);
        where.forEach(req.putArray("where")::add);
        return as(ask(req).get("rule"), Views.Rule.class);
    }

    @Override
    public List<Views.Rule> pinRules() {
        try {
            return JSON.convertValue(ask(request("pin-rules")).get("rules"), new TypeReference<List<Views.Rule>>() { });
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("The mount's answer about pin rules is not readable: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean unpinRule(long id) {
        return ask(request("unpin-rule").put("id", id)).path("removed").asBoolean();
    }

    @Override
    public PinProgress pinProgress() {
        return as(ask(request("pin-progress")).get("progress"), PinProgress.class);
    }

    /** Sets the priority of a path inside the mount ({@code null} clears it), as the xattr does. */
    void pinPath(String pathInMount, String priority) {
        ask(request("pin-path").put("path", pathInMount).put("priority", priority));
    }

    /** Asks the mount to save open files, unmount and stop; reports its steps; returns what stays queued. */
    QueueStats unmount(Consumer<String> steps) {
        try (Exchange x = new Exchange(request("unmount"))) {
            while (true) {
                JsonNode n = x.next();
                if (n.has("step")) {
                    steps.accept(n.get("step").asText());
                } else if (n.path("done").asBoolean()) {
                    return as(n.get("left"), QueueStats.class);
                }
            }
        }
    }

    @Override
    public boolean viaMount() {
        return true;
    }

    @Override
    public void close() {
        // One connection per request: nothing held.
    }
}

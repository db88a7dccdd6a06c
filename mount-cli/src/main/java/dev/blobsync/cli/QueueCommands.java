package dev.blobsync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.FlushResult;
import dev.blobsync.engine.PendingItem;
import dev.blobsync.engine.QueueStats;
import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.config.EngineConfig;
import dev.blobsync.engine.config.Sizes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code blobsync queue} and {@code blobsync flush}: talk to the running mount, or open the store. */
final class QueueCommands {
    private QueueCommands() {
    }

    /** Options shared by both commands. */
    abstract static class Base implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--config", paramLabel = "CONFIG",
                description = "The config file (default: ~/.config/blobsync/config.yaml).")
        Path config;

        EngineConfig load() {
            Path file = config != null ? config.toAbsolutePath().normalize()
                    : UserDirs.fromEnvironment().defaultConfig();
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("The config file " + file + " does not exist. Write one with:"
                        + " blobsync init --hub DIR " + file);
            }
            return ConfigLoader.load(file);
        }

        /** Connects to the running mount of this config, or returns null when none runs. */
        static SocketChannel connect(EngineConfig cfg) {
            Path socket = cfg.cache().directory().resolve("control.sock");
            if (!Files.exists(socket)) {
                return null;
            }
            try {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(socket));
                return ch;
            } catch (IOException e) {
                return null; // left behind by a killed mount
            }
        }

        static void send(SocketChannel ch, ObjectNode req) throws IOException {
            ch.write(java.nio.ByteBuffer.wrap((ControlServer.JSON.writeValueAsString(req) + "\n")
                    .getBytes(StandardCharsets.UTF_8)));
        }

        static BufferedReader reader(SocketChannel ch) {
            return new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
        }
    }

    @Command(name = "queue", mixinStandardHelpOptions = true,
            description = "List queued uploads and record changes with their progress and errors.")
    static final class Queue extends Base {
        @Option(names = "--json", description = "Print JSON instead of a table.")
        boolean json;

        @Override
        public Integer call() throws IOException {
            EngineConfig cfg = load();
            QueueStats stats;
            List<PendingItem> items;
            try (SocketChannel ch = connect(cfg)) {
                if (ch != null) {
                    send(ch, ControlServer.JSON.createObjectNode().put("cmd", "queue"));
                    JsonNode answer = ControlServer.JSON.readTree(reader(ch).readLine());
                    stats = ControlServer.JSON.treeToValue(answer.get("stats"), QueueStats.class);
                    items = new ArrayList<>();
                    for (JsonNode n : answer.get("items")) {
                        items.add(ControlServer.JSON.treeToValue(n, PendingItem.class));
                    }
                } else {
                    try (SyncEngine engine = SyncEngine.open(cfg)) {
                        stats = engine.offline().stats();
                        items = engine.offline().pending();
                    }
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(ControlServer.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(
                        ControlServer.JSON.createObjectNode().<ObjectNode>set("stats", ControlServer.JSON.valueToTree(stats))
                                .set("items", ControlServer.JSON.valueToTree(items))));
                return 0;
            }
            printTable(out, stats, items);
            return 0;
        }
    }

    static void printTable(PrintWriter out, QueueStats s, List<PendingItem> items) {
        out.printf(Locale.ROOT, "%d upload(s), %s queued of %s allowed; %d change(s); %d draft(s); %d error(s);"
                        + " blobs %s, data %s%n", s.uploads(), Sizes.format(s.queuedBytes()),
                Sizes.format(s.maxQueueSize()), s.changes(), s.drafts(), s.errors(),
                s.blobsOnline() ? "online" : "OFFLINE", s.dataOnline() ? "online" : "OFFLINE");
        if (items.isEmpty()) {
            out.println("Nothing queued.");
            return;
        }
        out.printf("%-7s %-9s %8s %10s  %-40s %s%n", "TYPE", "STATE", "PROGRESS", "SIZE", "WHAT", "ERROR");
        for (PendingItem i : items) {
            String what = (i.table() != null ? i.table() + "/" : "") + (i.name() != null ? i.name() + " " : "")
                    + "(" + i.id().substring(0, Math.min(12, i.id().length())) + ")";
            out.printf(Locale.ROOT, "%-7s %-9s %7.0f%% %10s  %-40s %s%n", i.type(), i.state(), i.progress() * 100,
                    i.type().equals("upload") ? Sizes.format(i.size()) : "-", what,
                    i.error() == null ? "" : i.error());
        }
    }

    @Command(name = "flush", mixinStandardHelpOptions = true,
            description = "Upload and push everything queued now; wait with a progress bar. Exits 1 naming"
                    + " what could not be synced.")
    static final class Flush extends Base {
        @Option(names = "--timeout", defaultValue = "30m", paramLabel = "DURATION",
                description = "How long to wait at most (default: ${DEFAULT-VALUE}).")
        String timeout;

        @Override
        public Integer call() throws IOException {
            EngineConfig cfg = load();
            Duration limit = dev.blobsync.engine.config.Durations.parse(timeout);
            ProgressLine bar = new ProgressLine(spec.commandLine().getErr());
            FlushResult result;
            try (SocketChannel ch = connect(cfg)) {
                if (ch != null) {
                    send(ch, ControlServer.JSON.createObjectNode().put("cmd", "flush")
                            .put("timeoutSeconds", limit.toSeconds()));
                    result = readFlush(reader(ch), bar);
                } else {
                    try (SyncEngine engine = SyncEngine.open(cfg)) {
                        result = engine.offline().flush(limit, bar);
                    }
                }
            }
            bar.finish();
            PrintWriter out = spec.commandLine().getOut();
            if (result.complete()) {
                out.println("Everything is synced.");
                return 0;
            }
            PrintWriter err = spec.commandLine().getErr();
            err.println("blobsync: " + result.left().size() + " item(s) could not be synced within " + timeout + ":");
            for (PendingItem i : result.left()) {
                err.println("  " + i.type() + " " + (i.name() != null ? i.name() : i.id()) + " (" + i.state() + ")"
                        + (i.error() != null ? ": " + i.error() : ""));
            }
            return 1;
        }

        private static FlushResult readFlush(BufferedReader in, Consumer<QueueStats> progress) throws IOException {
            String line;
            while ((line = in.readLine()) != null) {
                JsonNode n = ControlServer.JSON.readTree(line);
                if (n.has("stats")) {
                    progress.accept(ControlServer.JSON.treeToValue(n.get("stats"), QueueStats.class));
                } else if (n.path("done").asBoolean()) {
                    List<PendingItem> left = new ArrayList<>();
                    for (JsonNode i : n.get("left")) {
                        left.add(ControlServer.JSON.treeToValue(i, PendingItem.class));
                    }
                    return new FlushResult(n.path("complete").asBoolean(), left);
                }
            }
            throw new IOException("the mount stopped answering during the flush");
        }
    }

    /** A one-line progress display on stderr: redrawn in a terminal, a line every few seconds otherwise. */
    static final class ProgressLine implements Consumer<QueueStats> {
        private final PrintWriter err;
        private final boolean terminal = System.console() != null;
        private long firstBytes = -1;
        private long lastPrint;

        ProgressLine(PrintWriter err) {
            this.err = err;
        }

        @Override
        public synchronized void accept(QueueStats s) {
            long now = System.currentTimeMillis();
            if (!terminal && now - lastPrint < 2000) {
                return;
            }
            lastPrint = now;
            long left = Math.max(0, s.uploadBytes() - s.sentBytes());
            if (firstBytes < 0) {
                firstBytes = Math.max(1, left);
            }
            double done = Math.min(1, 1 - (double) left / firstBytes);
            int width = 30;
            int filled = (int) Math.round(done * width);
            String line = String.format(Locale.ROOT, "[%s%s] %3.0f%%  %d upload(s), %s left, %d change(s)%s",
                    "#".repeat(filled), " ".repeat(width - filled), done * 100, s.uploads(), Sizes.format(left),
                    s.changes(), s.blobsOnline() && s.dataOnline() ? "" : "  (offline, waiting)");
            err.print(terminal ? "\r" + line : line + "\n");
            err.flush();
        }

        void finish() {
            if (terminal) {
                err.println();
            }
            err.flush();
        }
    }
}

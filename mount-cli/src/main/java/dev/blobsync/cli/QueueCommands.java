package dev.blobsync.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.FlushResult;
import dev.blobsync.engine.PendingItem;
import dev.blobsync.engine.QueueStats;
import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.config.Durations;
import dev.blobsync.engine.config.EngineConfig;
import dev.blobsync.engine.config.Sizes;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code blobsync queue} and {@code blobsync flush}: talk to the running mount, or open the store. */
final class QueueCommands {
    private QueueCommands() {
    }

    /** Options shared by the commands that work on a config: the config file. */
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

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }
    }

    @Command(name = "queue", mixinStandardHelpOptions = true,
            description = "List queued uploads and record changes with their progress and errors.")
    static final class Queue extends Base {
        @Option(names = "--json", description = "Print JSON instead of a table.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Control.Listing listing;
            try (Control control = Control.open(load())) {
                listing = control.queue();
            }
            if (json) {
                out().println(ControlServer.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(
                        ControlServer.JSON.createObjectNode()
                                .<ObjectNode>set("stats", ControlServer.JSON.valueToTree(listing.stats()))
                                .set("items", ControlServer.JSON.valueToTree(listing.items()))));
                return 0;
            }
            printTable(out(), listing.stats(), listing.items());
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
            description = {"Upload and push everything queued now and wait, with a progress bar on a terminal.",
                "Exit codes: 0 everything synced; 1 something could not be synced in time (named on stderr)."})
    static final class Flush extends Base {
        @Option(names = "--timeout", defaultValue = "30m", paramLabel = "DURATION",
                description = "How long to wait at most (default: ${DEFAULT-VALUE}).")
        String timeout;

        @Option(names = "--json", description = "Print progress and the result as JSON lines on stdout.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Duration limit = Durations.parse(timeout);
            FlushResult result;
            try (Control control = Control.open(load());
                 ProgressDisplay progress = ProgressDisplay.of("Syncing", json, out(), err())) {
                long[] first = {-1};
                result = control.flush(limit, s -> {
                    long left = Math.max(0, s.uploadBytes() - s.sentBytes());
                    if (first[0] < 0) {
                        first[0] = left;
                    }
                    long total = Math.max(first[0], left);
                    progress.update(total - left, total, s.uploads() + " upload(s), " + s.changes() + " change(s)"
                                    + (s.blobsOnline() && s.dataOnline() ? "" : " (offline, waiting)"),
                            ControlServer.JSON.createObjectNode().put("uploads", s.uploads()).put("changes", s.changes())
                                    .put("online", s.blobsOnline() && s.dataOnline()));
                });
            }
            if (json) {
                out().println(ControlServer.JSON.createObjectNode().put("type", "summary")
                        .put("complete", result.complete()).set("left", ControlServer.JSON.valueToTree(result.left())));
                return result.complete() ? 0 : 1;
            }
            if (result.complete()) {
                out().println("Everything is synced.");
                return 0;
            }
            err().println("blobsync: " + result.left().size() + " item(s) could not be synced within " + timeout + ":");
            for (PendingItem i : result.left()) {
                err().println("  " + i.type() + " " + (i.name() != null ? i.name() : i.id()) + " (" + i.state() + ")"
                        + (i.error() != null ? ": " + i.error() : ""));
            }
            return 1;
        }
    }
}

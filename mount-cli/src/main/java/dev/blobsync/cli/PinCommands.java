package dev.blobsync.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.PinProgress;
import dev.blobsync.engine.Priority;
import dev.blobsync.engine.config.Durations;
import dev.blobsync.engine.config.Sizes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code blobsync pin}, {@code unpin} and {@code pins}: priorities of paths in a running mount
 * (as {@code user.blobsync.priority}), and pin rules by query kept in the local store.
 */
final class PinCommands {
    private PinCommands() {
    }

    /** A path inside a running mount: the mount's control and the path as the mount names it. */
    record MountPath(ControlClient control, Path file, String inMount) {
    }

    static MountPath resolve(Path path) {
        Path p = path.toAbsolutePath().normalize();
        if (!java.nio.file.Files.exists(p)) {
            throw new IllegalArgumentException(p + " does not exist.");
        }
        MountRegistry.Entry e = MountRegistry.forUser().holding(p).orElseThrow(() -> new IllegalArgumentException(
                p + " is not inside a running blobsync mount. Start one with: blobsync mount MOUNTPOINT; or pin by"
                        + " query with --table and --where."));
        Path rel = Path.of(e.mountPoint()).relativize(p);
        StringBuilder inMount = new StringBuilder();
        rel.forEach(part -> inMount.append('/').append(part));
        return new MountPath(new ControlClient(Path.of(e.socket())), p, inMount.length() == 0 ? "/" : inMount.toString());
    }

    @Command(name = "pin", mixinStandardHelpOptions = true,
            description = {"Keep files offline: PATHs inside a running mount (a table folder, a record folder or a"
                    + " blob file), or every record of a table matching --where, now and later (a pin rule, kept"
                    + " in the local store).",
                "Waits while pinned blobs are fetched, with a progress bar on a terminal.",
                "Exit codes: 0 pinned and fetched; 1 refused or a fetch failed (the reason is printed).",
                "Example: blobsync pin --table photos --where 'takenAt>=2026-01-01' --where familyId=…"})
    static final class Pin extends QueueCommands.Base {
        @Parameters(arity = "0..*", paramLabel = "PATH", description = "Paths inside a running mount.")
        List<Path> paths = new ArrayList<>();

        @Option(names = "--priority", defaultValue = "high", paramLabel = "high|normal|low",
                description = "high keeps the blobs offline (default); low lets them go first.")
        String priority;

        @Option(names = "--table", paramLabel = "TABLE", description = "Pin by query: the table of the rule.")
        String table;

        @Option(names = "--where", paramLabel = "CONDITION",
                description = "A condition of the rule, FIELD=VALUE or with < <= > >=, e.g. takenAt>=2026-01-01;"
                        + " repeat for more (all must hold).")
        List<String> where = new ArrayList<>();

        @Option(names = "--no-wait", description = "Return at once; the blobs are fetched in the background.")
        boolean noWait;

        @Option(names = "--timeout", defaultValue = "30m", paramLabel = "DURATION",
                description = "How long to wait for the fetch at most (default: ${DEFAULT-VALUE}).")
        String timeout;

        @Option(names = "--json", description = "Print progress and the result as JSON lines on stdout.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Priority.parse(priority);
            if (!paths.isEmpty() && table != null) {
                throw new ParameterException(spec.commandLine(), "Give PATHs or --table, not both.");
            }
            if (paths.isEmpty() && table == null) {
                throw new ParameterException(spec.commandLine(), "Name PATHs inside a running mount, or a rule with"
                        + " --table TABLE [--where CONDITION]...");
            }
            if (table == null && !where.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "--where needs --table.");
            }
            Duration limit = Durations.parse(timeout);
            if (table != null) {
                try (Control control = Control.open(load())) {
                    Views.Rule rule = control.pinRule(table, where, priority);
                    if (json) {
                        out().println(ControlServer.JSON.createObjectNode().put("type", "rule")
                                .set("rule", ControlServer.JSON.valueToTree(rule)));
                    } else {
                        out().println("Pin rule " + rule.id() + ": " + rule.description() + " at " + rule.priority()
                                + ", kept until: blobsync unpin --rule " + rule.id() + ". It selects " + rule.records()
                                + " record(s) now (" + Sizes.format(rule.bytes()) + ").");
                    }
                    return waitForFetch(control, limit);
                }
            }
            List<MountPath> targets = paths.stream().map(PinCommands::resolve).toList();
            for (MountPath t : targets) {
                t.control().pinPath(t.inMount(), priority);
                if (json) {
                    out().println(ControlServer.JSON.createObjectNode().put("type", "path").put("path", t.file().toString())
                            .put("priority", priority));
                } else {
                    out().println("Set " + t.file() + " to priority " + priority + ".");
                }
            }
            return waitForFetch(targets.get(0).control(), limit);
        }

        private int waitForFetch(Control control, Duration limit) throws InterruptedException {
            if (noWait || !"high".equals(priority)) {
                return 0;
            }
            long deadline = System.nanoTime() + limit.toNanos();
            PinProgress p;
            try (ProgressDisplay progress = ProgressDisplay.of("Fetching pinned blobs", json, out(), err())) {
                while (true) {
                    p = control.pinProgress();
                    progress.update(p.cachedBytes(), p.bytes(), p.waiting() + " blob(s) to fetch",
                            ControlServer.JSON.createObjectNode().put("waiting", p.waiting()).put("failed", p.failed()));
                    if (p.settled() || System.nanoTime() > deadline) {
                        break;
                    }
                    Thread.sleep(250);
                }
            }
            return report(p);
        }

        private int report(PinProgress p) {
            if (json) {
                ObjectNode summary = ControlServer.JSON.createObjectNode().put("type", "summary");
                summary.setAll((ObjectNode) ControlServer.JSON.valueToTree(p));
                out().println(summary);
                return p.failed() == 0 && p.settled() ? 0 : 1;
            }
            if (p.failed() > 0) {
                err().println("blobsync: " + p.failed() + " pinned blob(s) could not be fetched: " + p.lastError()
                        + ". They are fetched again when the blob store answers (or run this pin again).");
                return 1;
            }
            if (!p.settled()) {
                err().println("blobsync: " + p.waiting() + " pinned blob(s) are still being fetched after " + timeout
                        + "; they continue in the background.");
                return 1;
            }
            out().printf(Locale.ROOT, "All %d pinned blob(s) are in the cache (%s).%n", p.blobs(), Sizes.format(p.bytes()));
            return 0;
        }
    }

    @Command(name = "unpin", mixinStandardHelpOptions = true,
            description = {"Let pinned files leave the cache again: PATHs inside a running mount (their own"
                    + " priority is cleared), or a pin rule by --rule ID (see blobsync pins) or by the same"
                    + " --table and --where it was made with.",
                "Exit codes: 0 done; 1 no such rule."})
    static final class Unpin extends QueueCommands.Base {
        @Parameters(arity = "0..*", paramLabel = "PATH", description = "Paths inside a running mount.")
        List<Path> paths = new ArrayList<>();

        @Option(names = "--rule", paramLabel = "ID", description = "The id of a pin rule (blobsync pins lists them).")
        List<Long> rules = new ArrayList<>();

        @Option(names = "--table", paramLabel = "TABLE", description = "Remove the rules of this table with exactly"
                + " the --where conditions given.")
        String table;

        @Option(names = "--where", paramLabel = "CONDITION", description = "A condition of the rule to remove.")
        List<String> where = new ArrayList<>();

        @Option(names = "--json", description = "Print what was removed as JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (paths.isEmpty() && rules.isEmpty() && table == null) {
                throw new ParameterException(spec.commandLine(), "Name PATHs, --rule ID or --table [--where ...].");
            }
            for (Path path : paths) {
                MountPath t = resolve(path);
                t.control().pinPath(t.inMount(), null);
                if (!json) {
                    out().println("Cleared the priority of " + t.file() + "; it follows its folder's again.");
                }
            }
            if (rules.isEmpty() && table == null) {
                if (json) {
                    out().println(ControlServer.JSON.createObjectNode().set("paths",
                            ControlServer.JSON.valueToTree(paths.stream().map(Object::toString).toList())));
                }
                return 0;
            }
            List<Long> removed = new ArrayList<>();
            List<Long> missing = new ArrayList<>();
            try (Control control = Control.open(load())) {
                List<Long> ids = new ArrayList<>(rules);
                if (table != null) {
                    List<String> wanted = where.stream().map(w -> {
                        dev.blobsync.engine.PinRule.Condition c = dev.blobsync.engine.PinRule.Condition.parse(w);
                        return c.field() + c.operator() + c.value();
                    }).sorted().toList();
                    control.pinRules().stream().filter(r -> r.table().equals(table)
                            && r.where().stream().sorted().toList().equals(wanted)).forEach(r -> ids.add(r.id()));
                    if (ids.size() == rules.size()) {
                        err().println("blobsync: no pin rule of " + table + " has exactly these conditions;"
                                + " blobsync pins lists the rules.");
                        return 1;
                    }
                }
                for (long id : ids) {
                    (control.unpinRule(id) ? removed : missing).add(id);
                }
            }
            if (json) {
                out().println(ControlServer.JSON.createObjectNode().<ObjectNode>set("removed",
                        ControlServer.JSON.valueToTree(removed)).set("missing", ControlServer.JSON.valueToTree(missing)));
            } else {
                removed.forEach(id -> out().println("Removed pin rule " + id + "; its records follow their other"
                        + " priorities again."));
                missing.forEach(id -> err().println("blobsync: there is no pin rule " + id + " (blobsync pins lists them)."));
            }
            return missing.isEmpty() ? 0 : 1;
        }
    }

    @Command(name = "pins", mixinStandardHelpOptions = true,
            description = "List the pin rules of a config with what each holds.")
    static final class Pins extends QueueCommands.Base {
        @Option(names = "--json", description = "Print the rules as JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            List<Views.Rule> rules;
            try (Control control = Control.open(load())) {
                rules = control.pinRules();
            }
            PrintWriter out = out();
            if (json) {
                out.println(ControlServer.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(
                        ControlServer.JSON.createObjectNode().set("rules", ControlServer.JSON.valueToTree(rules))));
                return 0;
            }
            if (rules.isEmpty()) {
                out.println("No pin rules. Make one with: blobsync pin --table TABLE --where CONDITION");
                return 0;
            }
            for (Views.Rule r : rules) {
                double pct = r.bytes() == 0 ? 100 : 100.0 * r.cachedBytes() / r.bytes();
                out.printf(Locale.ROOT, "%d  %s at %s: %d record(s), %s, %.0f%% cached%s%n", r.id(), r.description(),
                        r.priority(), r.records(), Sizes.format(r.bytes()), pct,
                        r.refused() > 0 ? "; " + r.refused() + " left unpinned: " + r.problem() : "");
            }
            return 0;
        }
    }
}

package dev.blobsync.cli;

import dev.blobsync.engine.config.EngineConfig;
import dev.blobsync.engine.config.Sizes;
import java.io.PrintWriter;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code blobsync status}: providers, queue, cache, drafts, local-only files, conflicts and the
 * last errors of a config, from its running mount or, when none runs, from its local store.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show whether the providers answer, what is queued, the cache, drafts, local-only files,"
                + " conflicts and the last errors (each with its file and reason).",
            "Asks the running mount of the config, or opens the local store when none runs.",
            "",
            "Exit codes:",
            "  0  everything is synced",
            "  1  work is pending: uploads or record changes are queued, or a provider does not answer",
            "  2  errors: queued items failed and wait for a fix (listed); also for a command line not understood",
            "Refused saves kept from earlier are listed but do not change the exit code."})
final class StatusCommand extends QueueCommands.Base {
    static final int SYNCED = 0;
    static final int PENDING = 1;
    static final int ERRORS = 2;

    @Option(names = "--json", description = "Print the status as JSON (exit codes as above).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        EngineConfig cfg = load();
        Views.Status s;
        try (Control control = Control.open(cfg)) {
            s = control.status();
        }
        int code = exitCode(s);
        PrintWriter out = out();
        if (json) {
            out.println(ControlServer.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(
                    ControlServer.JSON.valueToTree(s)));
            return code;
        }
        out.println("Status of " + cfg.source() + (s.mountPoint() != null ? " (mounted at " + s.mountPoint() + ")"
                : " (not mounted; read from the local store)") + ":");
        out.println("Providers: " + s.providers().stream()
                .map(p -> p.role() + " (" + p.provider() + ") " + (p.online() ? "online" : "OFFLINE, not answering"))
                .collect(Collectors.joining("; ")) + ".");
        Views.Queue q = s.queue();
        out.println("Queue: " + q.uploads() + " upload(s) (" + Sizes.format(q.uploadBytes()) + ", "
                + Sizes.format(q.sentBytes()) + " sent) and " + q.changes() + " record change(s) waiting; "
                + q.errors() + " in error; " + Sizes.format(q.queuedBytes()) + " of " + Sizes.format(q.maxQueueSize())
                + " queue space used.");
        Views.Cache c = s.cache();
        out.println("Cache: " + Sizes.format(c.used()) + " used of " + Sizes.format(c.maxSize()) + " (" + c.items()
                + " blob(s)); " + Sizes.format(c.pinned()) + " pinned.");
        out.println("Drafts: " + s.drafts() + ". Local-only files: " + s.localOnly() + ". Conflicts kept: "
                + s.conflicts() + (s.conflicts() > 0 ? " (both versions in .blobsync/conflicts/ of the mount)" : "")
                + ".");
        if (!s.lastErrors().isEmpty()) {
            out.println("Last errors:");
            for (Views.Problem p : s.lastErrors()) {
                out.println("  " + (p.at() != null ? p.at() + "  " : "now  ") + p.path() + ": " + p.reason());
            }
        }
        out.println(switch (code) {
            case SYNCED -> "Everything is synced.";
            case PENDING -> "Work is pending; it syncs in the background (blobsync flush waits for it).";
            default -> "Some items failed; they stay queued and are retried (blobsync queue lists them).";
        });
        return code;
    }

    static int exitCode(Views.Status s) {
        if (s.queue().errors() > 0) {
            return ERRORS;
        }
        boolean offline = s.providers().stream().anyMatch(p -> !p.online());
        return s.queue().uploads() + s.queue().changes() > 0 || offline ? PENDING : SYNCED;
    }
}

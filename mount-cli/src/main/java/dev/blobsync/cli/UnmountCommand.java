package dev.blobsync.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.QueueStats;
import dev.blobsync.engine.config.Durations;
import dev.blobsync.engine.config.Sizes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code blobsync unmount MOUNTPOINT}: asks the mount there (found in the {@link MountRegistry},
 * whoever started it: a terminal or systemd) to save open files, unmount and stop, and says what
 * stays queued. A FUSE mount without a registered blobsync is unmounted with {@code fusermount -u}.
 */
@Command(name = "unmount", aliases = "umount", mixinStandardHelpOptions = true,
        description = {"Save open files, unmount and stop the blobsync mount at MOUNTPOINT (also one started by"
                + " systemd), and say what is still queued; it continues on the next mount.",
            "Exit codes: 0 unmounted; 1 nothing is mounted there, or unmounting failed (the reason is printed)."})
final class UnmountCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MOUNTPOINT", description = "Where the drive is mounted.")
    Path mountPoint;

    @Option(names = "--timeout", defaultValue = "2m", paramLabel = "DURATION",
            description = "How long to wait for the mount to stop (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Path mnt = mountPoint.toAbsolutePath().normalize();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Duration limit = Durations.parse(timeout);
        Optional<MountRegistry.Entry> entry = MountRegistry.forUser().at(mnt);
        if (entry.isPresent() && ControlClient.reachable(Path.of(entry.get().socket()))) {
            QueueStats left = new ControlClient(Path.of(entry.get().socket())).unmount(step -> {
                if (!json) {
                    err.println("blobsync: " + step);
                    err.flush();
                }
            });
            boolean ended = awaitExit(entry.get().pid(), limit);
            if (json) {
                out.println(ControlServer.JSON.createObjectNode().put("unmounted", !MountCommand.isMounted(mnt))
                        .put("mountPoint", mnt.toString()).put("stopped", ended)
                        .<ObjectNode>set("left", ControlServer.JSON.valueToTree(left)));
            } else {
                out.println("Unmounted " + mnt + "." + queued(left));
                if (!ended) {
                    err.println("blobsync: the mount's process " + entry.get().pid() + " has not ended after " + timeout
                            + "; it is unmounted, and its log says what it still does.");
                }
            }
            return MountCommand.isMounted(mnt) ? 1 : 0;
        }
        if (!MountCommand.isMounted(mnt)) {
            return refuse(out, err, mnt, mnt + " is not mounted.");
        }
        Process p = new ProcessBuilder("fusermount", "-u", mnt.toString()).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes()).trim();
        if (!p.waitFor(limit.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
            return refuse(out, err, mnt, "No running blobsync is registered for " + mnt + ", and fusermount -u "
                    + "failed: " + said + ". Close the programs using it, or run: fusermount -u -z " + mnt);
        }
        String done = "Unmounted " + mnt + " with fusermount -u: no running blobsync was registered for it, so its"
                + " open files were not saved first.";
        if (json) {
            out.println(ControlServer.JSON.createObjectNode().put("unmounted", true).put("mountPoint", mnt.toString())
                    .put("note", done));
        } else {
            out.println(done);
        }
        return 0;
    }

    private int refuse(PrintWriter out, PrintWriter err, Path mnt, String why) {
        if (json) {
            out.println(ControlServer.JSON.createObjectNode().put("unmounted", false).put("mountPoint", mnt.toString())
                    .put("reason", why));
        } else {
            err.println("blobsync: " + why);
        }
        return 1;
    }

    static String queued(QueueStats left) {
        if (left.empty() && left.drafts() == 0) {
            return " Nothing is queued.";
        }
        return " Still queued: " + left.uploads() + " upload(s) (" + Sizes.format(left.uploadBytes()) + ") and "
                + left.changes() + " record change(s), and " + left.drafts() + " draft(s) kept; they continue on the"
                + " next mount (blobsync status shows them).";
    }

    private static boolean awaitExit(long pid, Duration limit) throws InterruptedException {
        if (pid == ProcessHandle.current().pid()) {
            return true; // a mount in this very process (tests): its command returns by itself
        }
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty()) {
            return true;
        }
        try {
            h.get().onExit().get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return !h.get().isAlive();
        }
    }
}

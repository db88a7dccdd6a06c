package dev.blobsync.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Desktop notifications of refused saves, through {@code notify-send} when it is installed and
 * the mount runs in a desktop session ({@code DISPLAY}, {@code WAYLAND_DISPLAY} or
 * {@code DBUS_SESSION_BUS_ADDRESS} set). At most one notice per {@link #MIN_GAP}; the next one
 * says how many were held back. Notices are sent from a thread of their own, never a FUSE thread.
 */
final class DesktopNotifier implements AutoCloseable {
    static final Duration MIN_GAP = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(DesktopNotifier.class);

    private final Path notifySend;
    private final Clock clock;
    private final ExecutorService sender;
    // guarded by this
    private Instant last;
    private int heldBack;

    DesktopNotifier(Path notifySend, Clock clock) {
        this.notifySend = notifySend;
        this.clock = clock;
        this.sender = notifySend == null ? null : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "blobsync-notify");
            t.setDaemon(true);
            return t;
        });
    }

    /** Notifies when {@code env} is a desktop session with {@code notify-send} on its PATH; else does nothing. */
    static DesktopNotifier fromEnvironment(Map<String, String> env, Clock clock) {
        boolean desktop = List.of("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS").stream()
                .anyMatch(k -> env.get(k) != null && !env.get(k).isBlank());
        Path found = null;
        if (desktop) {
            for (String dir : env.getOrDefault("PATH", "").split(File.pathSeparator)) {
                Path candidate = dir.isEmpty() ? null : Path.of(dir, "notify-send");
                if (candidate != null && Files.isExecutable(candidate)) {
                    found = candidate;
                    break;
                }
            }
        }
        return new DesktopNotifier(found, clock);
    }

    boolean active() {
        return notifySend != null;
    }

    /** A save of {@code file} was refused for {@code reason}. */
    void refused(Path file, String reason) {
        if (notifySend == null) {
            return;
        }
        String more;
        synchronized (this) {
            Instant now = clock.instant();
            if (last != null && now.isBefore(last.plus(MIN_GAP))) {
                heldBack++;
                return;
            }
            more = heldBack == 0 ? "" : "\n(" + heldBack + " more refused since the last notice: blobsync status lists them.)";
            heldBack = 0;
            last = now;
        }
        String title = "blobsync could not save " + file.getFileName();
        String body = reason + "\n" + file + more;
        sender.execute(() -> send(title, body));
    }

    private void send(String title, String body) {
        try {
            Process p = new ProcessBuilder(notifySend.toString(), "--app-name=blobsync", "--icon=dialog-error",
                    title, body).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                LOG.info("notify-send did not finish within 5 s; stopped it");
            } else if (p.exitValue() != 0) {
                LOG.info("notify-send exited with {}", p.exitValue());
            }
        } catch (IOException e) {
            LOG.info("notify-send could not run: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (sender != null) {
            sender.shutdown();
        }
    }
}

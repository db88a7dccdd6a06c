package dev.blobsync.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.config.Sizes;
import java.io.PrintWriter;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a long command ({@code flush}, {@code pin}): a live bar on stderr when stderr is a
 * terminal (me.tongfei progressbar: percent, bytes, speed, ETA); otherwise a plain line on stderr
 * every few seconds; with {@code --json}, one JSON line per update on stdout
 * ({@code {"type":"status",…}}), as restic's {@code --json} does.
 */
final class ProgressDisplay implements AutoCloseable {
    private static final long LINE_EVERY_MS = 2000;

    private final String task;
    private final boolean json;
    private final PrintWriter out;
    private final PrintWriter err;
    private final ProgressBar bar;
    private long lastLine;
    private String lastText;

    private ProgressDisplay(String task, boolean json, boolean terminal, PrintWriter out, PrintWriter err) {
        this.task = task;
        this.json = json;
        this.out = out;
        this.err = err;
        this.bar = !json && terminal ? new ProgressBarBuilder().setTaskName(task).setInitialMax(0)
                .setUnit("MiB", 1 << 20).showSpeed().setUpdateIntervalMillis(200)
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).continuousUpdate().build() : null;
    }

    /** A bar when stderr is a terminal and {@code json} is off; lines or JSON otherwise. */
    static ProgressDisplay of(String task, boolean json, PrintWriter out, PrintWriter err) {
        return new ProgressDisplay(task, json, Terminal.isInteractive(), out, err);
    }

    /**
     * Shows {@code done} of {@code total} bytes with a note ("3 upload(s), 1 change(s)");
     * {@code details} are the JSON form's other fields.
     */
    synchronized void update(long done, long total, String note, ObjectNode details) {
        if (json) {
            ObjectNode line = ControlClient.JSON.createObjectNode().put("type", "status").put("task", task)
                    .put("doneBytes", done).put("totalBytes", total);
            if (details != null) {
                line.setAll(details);
            }
            out.println(line);
            out.flush();
            return;
        }
        if (bar != null) {
            bar.maxHint(Math.max(total, done));
            bar.stepTo(done);
            bar.setExtraMessage(note);
            return;
        }
        long now = System.currentTimeMillis();
        String text = text(done, total, note);
        if (now - lastLine >= LINE_EVERY_MS && !text.equals(lastText)) {
            err.println(text);
            err.flush();
            lastLine = now;
            lastText = text;
        }
    }

    private String text(long done, long total, String note) {
        double pct = total <= 0 ? 100 : Math.min(100, 100.0 * done / total);
        return String.format(Locale.ROOT, "%s: %.0f%% (%s of %s)%s", task, pct, Sizes.format(done), Sizes.format(total),
                note == null || note.isEmpty() ? "" : ", " + note);
    }

    @Override
    public synchronized void close() {
        if (bar != null) {
            bar.close();
        }
        err.flush();
    }
}

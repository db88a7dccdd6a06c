package dev.blobsync.cli;

/**
 * Whether the user watches a terminal: then a progress bar may redraw itself and colours may be
 * used; otherwise output is plain lines without ANSI codes (a pipe, a log, systemd's journal).
 */
final class Terminal {
    private Terminal() {
    }

    /** True when this process has a console and {@code NO_COLOR} and {@code TERM=dumb} do not say otherwise. */
    static boolean isInteractive() {
        String term = System.getenv("TERM");
        return System.console() != null && System.getenv("NO_COLOR") == null && !"dumb".equals(term);
    }
}

package dev.blobsync.cli;

/** Turns an exception into the one line a user reads. */
final class Messages {
    private Messages() {
    }

    static String of(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.toString() : m;
    }
}

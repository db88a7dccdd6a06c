package dev.blobsync.cli;

import dev.blobsync.engine.PinRule;
import dev.blobsync.engine.PinRuleStatus;
import java.util.List;

/**
 * What the commands show, as plain records: the same JSON travels over the control socket and is
 * printed by {@code --json}, and the same values make the sentences of the text output.
 */
final class Views {
    private Views() {
    }

    /** A provider and whether its last call succeeded. */
    record Provider(String role, String provider, boolean online) {
    }

    /** The offline queue at a glance. */
    record Queue(int uploads, long uploadBytes, long sentBytes, int changes, int errors, long queuedBytes,
                 long maxQueueSize) {
    }

    /** The local blob cache at a glance. */
    record Cache(long used, long maxSize, long available, long pinned, long items) {
    }

    /**
     * Something the user should know went wrong.
     *
     * @param at     when (ISO-8601), or {@code null} for a queued item's current error
     * @param path   the file or item concerned
     * @param reason why, in words
     */
    record Problem(String at, String path, String reason) {
    }

    /**
     * {@code blobsync status}.
     *
     * @param source     {@code mount} (asked the running mount) or {@code store} (opened the local store)
     * @param mountPoint where the running mount is, or {@code null}
     * @param lastErrors refused saves kept by the mount (newest first), then queued items in error
     */
    record Status(String source, String mountPoint, List<Provider> providers, Queue queue, Cache cache, int drafts,
                  int localOnly, int conflicts, List<Problem> lastErrors) {
    }

    /** A pin rule and what it holds. */
    record Rule(long id, String table, List<String> where, String priority, String createdAt, String description,
                int records, long bytes, long cachedBytes, int refused, String problem) {

        static Rule of(PinRuleStatus s) {
            PinRule r = s.rule();
            return new Rule(r.id(), r.table(), r.where().stream().map(c -> c.field() + c.operator() + c.value()).toList(),
                    r.priority().label(), r.createdAt().toString(), r.describe(), s.records(), s.bytes(),
                    s.cachedBytes(), s.refused(), s.problem());
        }
    }
}

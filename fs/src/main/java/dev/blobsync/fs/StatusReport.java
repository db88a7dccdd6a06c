package dev.blobsync.fs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.PendingItem;
import dev.blobsync.engine.QueueStats;
import dev.blobsync.engine.RecordState;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Renders {@code .blobsync/status.json}: whether the first pull of this cache has caught up
 * ({@code pull}), records by state per table, and what is pending (record changes and uploads,
 * from the engine's offline queue when it can tell).
 */
final class StatusReport {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private StatusReport() {
    }

    /**
     * @param loaded   the tables hold what the data provider holds as of a pull that caught up
     * @param received records received from the provider since the engine opened
     */
    static byte[] render(Collection<TableIndex> tables, boolean loaded, long received, QueueStats queue,
                         int openFiles, int errors) {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode pull = root.putObject("pull");
        pull.put("state", loaded ? "caught-up" : "loading");
        pull.put("received", received);
        ObjectNode totals = root.putObject("records");
        ObjectNode perTable = root.putObject("tables");
        for (RecordState s : RecordState.values()) {
            totals.put(label(s), 0);
        }
        long pending = 0;
        for (TableIndex table : tables) {
            ObjectNode counts = perTable.putObject(table.name());
            for (RecordState s : RecordState.values()) {
                counts.put(label(s), 0);
            }
            for (TableIndex.Entry e : table.entries()) {
                String state = label(e.record().state());
                counts.put(state, counts.get(state).asLong() + 1);
                totals.put(state, totals.get(state).asLong() + 1);
                if (e.record().state() == RecordState.QUEUED || e.record().state() == RecordState.ERROR) {
                    pending++;
                }
            }
        }
        if (queue != null) {
            ObjectNode q = root.putObject("queue");
            q.put("changes", queue.changes());
            q.put("uploads", queue.uploads());
            q.put("uploadBytes", queue.uploadBytes());
            q.put("sentBytes", queue.sentBytes());
            q.put("errors", queue.errors());
            q.put("dataOnline", queue.dataOnline());
            q.put("blobsOnline", queue.blobsOnline());
            q.put("conflicts", queue.conflicts());
            root.put("state", queue.dataOnline() && queue.blobsOnline() ? "online" : "offline");
            pending = Math.max(pending, (long) queue.changes() + queue.uploads());
        }
        root.put("pending", pending);
        root.put("openFiles", openFiles);
        root.put("errors", errors);
        return MetaJson.pretty(root);
    }

    /** Renders {@code .blobsync/queue.json}: the summary and every queued item, as {@code blobsync queue}. */
    static byte[] queue(QueueStats stats, List<PendingItem> items) {
        ObjectNode root = MAPPER.createObjectNode();
        root.set("stats", MAPPER.valueToTree(stats));
        root.set("items", MAPPER.valueToTree(items));
        return MetaJson.pretty(root);
    }

    /** Renders one kept conflict: which way it went, and both versions. */
    static byte[] conflict(dev.blobsync.engine.ConflictVersion c) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("table", c.table());
        root.put("id", c.id().toString());
        root.put("resolution", c.resolution());
        root.put("winner", c.open() ? "undecided" : c.winner());
        root.put("open", c.open());
        root.set("fields", MAPPER.valueToTree(c.fields()));
        if (c.remoteDevice() != null) {
            root.put("remoteDevice", c.remoteDevice());
        }
        root.put("at", c.at().toString());
        root.put("remoteRev", c.remoteRev());
        root.set("remote", MAPPER.valueToTree(c.remote()));
        root.set("local", MAPPER.valueToTree(c.local()));
        return MetaJson.pretty(root);
    }

    private static String label(RecordState s) {
        return s.name().toLowerCase(Locale.ROOT);
    }
}

package dev.blobsync.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.blobsync.engine.store.BlobIndex;
import dev.blobsync.engine.store.LocalStore;
import dev.blobsync.engine.store.PendingRow;
import dev.blobsync.engine.store.RecordStore;
import dev.blobsync.engine.store.UploadRow;
import dev.blobsync.engine.sync.SyncLoop;
import dev.blobsync.engine.upload.Uploader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** {@link OfflineQueue} over the local store, the uploader and the sync loop. */
final class DefaultOfflineQueue implements OfflineQueue {
    private final LocalStore store;
    private final Uploader uploader;
    private final SyncLoop sync;
    private final long maxQueueSize;

    DefaultOfflineQueue(LocalStore store, Uploader uploader, SyncLoop sync, long maxQueueSize) {
        this.store = store;
        this.uploader = uploader;
        this.sync = sync;
        this.maxQueueSize = maxQueueSize;
    }

    @Override
    public List<PendingItem> pending() {
        return store.read(c -> {
            List<PendingItem> out = new ArrayList<>();
            Map<String, String> names = new HashMap<>();
            List<PendingRow> rows = allPending(c);
            for (PendingRow p : rows) {
                p.fields().forEach(v -> {
                    if (v.isObject() && v.path("sha256").isTextual()) {
                        String name = v.path("name").asText(null);
                        names.putIfAbsent(v.get("sha256").asText(), name);
                        if (v.path("chunks").isTextual()) {
                            names.putIfAbsent(v.get("chunks").asText(), "chunk list of "
                                    + (name != null ? name : v.get("sha256").asText().substring(0, 12)));
                        }
                    }
                });
            }
            // The same rows stats() counts: summary and list agree.
            for (UploadRow u : BlobIndex.queuedUploads(c)) {
                long sent = uploader.sentBytes(u.sha256());
                String state = sent >= 0 ? "uploading" : u.gaveUp() && uploader.online() ? "error" : "queued";
                double progress = u.size() == 0 ? 0 : Math.max(0, sent) / (double) u.size();
                out.add(new PendingItem("upload", u.sha256(), null, names.get(u.sha256()), u.size(), progress, state,
                        u.lastError(), u.attempts()));
            }
            for (PendingRow p : rows) {
                String type = p.draft() ? "draft" : p.deleted() ? "delete" : p.baseRev() == 0 ? "insert" : "update";
                String state = p.draft() ? "draft" : p.held() ? "conflict" : p.lastError() != null ? "error"
                        : waitsForUpload(c, p) ? "waiting" : "queued";
                JsonNode title = p.fields().get("title");
                out.add(new PendingItem(type, p.id().toString(), p.table(), title == null ? null : title.asText(), 0,
                        0, state, p.lastError(), p.attempts()));
            }
            return out;
        });
    }

    @Override
    public java.util.Optional<PendingItem> upload(String sha256) {
        return store.read(c -> BlobIndex.queuedUpload(c, sha256)).map(u -> {
            long sent = uploader.sentBytes(u.sha256());
            String state = sent >= 0 ? "uploading" : u.gaveUp() && uploader.online() ? "error" : "queued";
            double progress = u.size() == 0 ? 0 : Math.max(0, sent) / (double) u.size();
            return new PendingItem("upload", u.sha256(), null, null, u.size(), progress, state, u.lastError(),
                    u.attempts());
        });
    }

    private static List<PendingRow> allPending(Connection c) throws SQLException {
        List<PendingRow> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT tbl FROM pending");
             ResultSet rs = ps.executeQuery()) {
            List<String> tables = new ArrayList<>();
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
            for (String t : tables) {
                out.addAll(RecordStore.pendingRows(c, t));
            }
        }
        out.sort((a, b) -> Long.compare(a.seq(), b.seq()));
        return out;
    }

    private static boolean waitsForUpload(Connection c, PendingRow p) throws SQLException {
        for (String f : p.changed()) {
            JsonNode v = p.fields().get(f);
            if (v != null && v.isObject() && (queued(c, v.path("sha256")) || queued(c, v.path("chunks")))) {
                return true;
            }
        }
        return false;
    }

    private static boolean queued(Connection c, JsonNode key) throws SQLException {
        return key.isTextual() && BlobIndex.upload(c, key.asText()).isPresent();
    }

    @Override
    public QueueStats stats() {
        return store.read(c -> {
            long[] up = BlobIndex.referencedUploads(c);
            long[] pend = RecordStore.pendingCounts(c);
            long failing = up[2] + RecordStore.failingCount(c);
            return new QueueStats((int) up[0], up[1], uploader.sentBytes(), (int) pend[0], (int) pend[1],
                    (int) failing, up[1], maxQueueSize, uploader.online(), sync.online(),
                    (int) pend[2]);
        });
    }

    @Override
    public FlushResult flush(Duration timeout, Consumer<QueueStats> progress) {
        long deadline = System.nanoTime() + timeout.toNanos();
        uploader.retryNow();
        store.write(c -> {
            RecordStore.clearFailures(c);
            return null;
        });
        try {
            while (true) {
                QueueStats s = stats();
                progress.accept(s);
                if (s.empty()) {
                    // One more full cycle, so remote changes made before the flush are pulled too.
                    sync.awaitFreshCycle(deadline);
                    return new FlushResult(true, List.of());
                }
                if (System.nanoTime() >= deadline) {
                    return new FlushResult(false, pending().stream().filter(i -> !"draft".equals(i.type())).toList());
                }
                uploader.wake();
                sync.awaitFreshCycle(Math.min(deadline, System.nanoTime() + 250_000_000L));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new FlushResult(false, pending());
        }
    }
}

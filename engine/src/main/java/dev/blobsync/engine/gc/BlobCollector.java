package dev.blobsync.engine.gc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.spi.BlobProvider;
import dev.blobsync.engine.spi.ChangePage;
import dev.blobsync.engine.spi.DataProvider;
import dev.blobsync.engine.spi.PendingUpload;
import dev.blobsync.engine.spi.ProviderException;
import dev.blobsync.engine.spi.RemoteRecord;
import dev.blobsync.engine.spi.StoredBlob;
import dev.blobsync.engine.store.BaseRow;
import dev.blobsync.engine.store.BlobIndex;
import dev.blobsync.engine.store.BlobRow;
import dev.blobsync.engine.store.LocalStore;
import dev.blobsync.engine.store.PendingRow;
import dev.blobsync.engine.store.RecordStore;
import dev.blobsync.engine.store.UploadRow;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Blob garbage collection ({@code blobsync gc}): deletes stored blobs that no record
 * references and that are older than a grace period, and aborts upload sessions idle that long.
 *
 * <h2>What counts as a reference</h2>
 * <ul>
 *   <li>Every record in the data provider's change feed, in its latest state. A deleted record
 *       (tombstone) still references its last blobs while it was deleted within the grace
 *       period: a device that has not pulled the delete yet may edit the record and resurrect
 *       it, and an undo should find its photo. Older tombstones reference nothing.
 *   <li>This device's local store, when given: the outbox (record changes not pushed yet), the
 *       base (the last pulled state), the upload queue, dirty cache entries (written here and
 *       maybe not uploaded) and the losing versions of conflicts (invariant 6).
 * </ul>
 * Any JSON object with a {@code sha256} field that looks like a blob key counts, wherever it
 * sits in a record, so a field dropped from the schema still protects its blobs.
 *
 * <h2>Why a client uploading or referencing the same blob at the same time is safe</h2>
 * The engine keeps one rule (invariant 3): a record change that references a blob is pushed
 * only after the blob's upload completed, and the uploader first asks the store whether the
 * blob is there ({@code size}) and uploads it when it is not. Against that:
 * <ol>
 *   <li><b>Grace period on the object's age.</b> Only objects last written more than
 *       {@code grace} ago are candidates. A blob uploaded during the run (or in the last
 *       {@code grace}) is young, so a client between "upload completed" and "change pushed" is
 *       never robbed, as long as it pushes within the grace period (7 days by default).
 *   <li><b>Content addressing.</b> The same bytes have the same key, so a client "uploading" a
 *       blob that exists already skips the upload and references the stored one. That is the
 *       case the next steps are for: the stored object can be old and unreferenced.
 *   <li><b>Re-check right before deleting.</b> References are collected once, then the blobs
 *       are listed, then, in batches, the feed is pulled again from the first scan's cursor
 *       (every change committed since), this device's store is read again, and each candidate
 *       is {@code stat}ed again (a blob uploaded anew in the meantime is young again) before
 *       it is deleted. A change committed before that re-check protects its blobs.
 *   <li><b>Relying on a stored blob refreshes its age.</b> When the uploader finds a blob
 *       stored already, it {@code touch}es it (the filesystem provider sets its modification
 *       time; S3 copies the object onto itself) before it marks the blob uploaded and lets the
 *       change be pushed. The blob is then young again, and step 1 protects it for a whole
 *       grace period, whether or not this run saw the change.
 *   <li><b>The remaining window.</b> What is left is a touch that lands between this run's last
 *       {@code stat} of a candidate and its delete: a few milliseconds, per blob. A provider
 *       that cannot refresh ages (tus, a presign endpoint) has the wider window of a batch's
 *       re-check. The client still holds the bytes in its cache, so nothing is lost, but it does
 *       not yet notice and upload them again; a conditional delete on the store would close this.
 *   <li>Upload sessions are aborted only when idle for the grace period. A client still
 *       holding such a session finds it gone ({@code uploadedBytes} is -1) and begins a new
 *       one; nothing it acknowledged is lost, its bytes are in its own cache.
 * </ol>
 */
public final class BlobCollector {
    static final int BATCH = 100;
    static final Duration MAX_WINDOW = Duration.ofSeconds(10);
    private static final int PAGE = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DataProvider data;
    private final BlobProvider blobs;
    private final LocalStore local;
    private final Duration grace;
    private final Clock clock;

    /**
     * @param local this device's store, or null when collecting from a machine without one
     */
    public BlobCollector(DataProvider data, BlobProvider blobs, LocalStore local, Duration grace, Clock clock) {
        this.data = data;
        this.blobs = blobs;
        this.local = local;
        this.grace = grace;
        this.clock = clock;
    }

    /** What a run found and did (or, in a dry run, would do). */
    public record Report(int records, int tombstonesKept, int localReferences, int referenced, int stored,
                         long storedBytes, List<StoredBlob> deleted, int keptYoung, int referencedAfterRecheck,
                         List<PendingUpload> abortedUploads, boolean dryRun) {
        public long deletedBytes() {
            return deleted.stream().mapToLong(StoredBlob::size).sum();
        }
    }

    /** Runs once; with {@code dryRun} nothing is deleted or aborted. */
    public Report run(boolean dryRun) throws ProviderException {
        Instant cutoff = clock.instant().minus(grace);
        Feed feed = new Feed(cutoff);
        feed.pullFrom(null);
        Set<String> localRefs = localReferences();
        Set<String> referenced = new HashSet<>(feed.references());
        referenced.addAll(localRefs);

        List<StoredBlob> stored = new ArrayList<>();
        blobs.listBlobs(stored::add);
        List<StoredBlob> candidates = new ArrayList<>();
        int young = 0;
        for (StoredBlob b : stored) {
            if (referenced.contains(b.key())) {
                continue;
            }
            if (b.lastModified().isBefore(cutoff)) {
                candidates.add(b);
            } else {
                young++;
            }
        }

        List<StoredBlob> deleted = new ArrayList<>();
        int rescued = 0;
        for (int from = 0; from < candidates.size(); from += BATCH) {
            List<StoredBlob> batch = candidates.subList(from, Math.min(candidates.size(), from + BATCH));
            List<StoredBlob> doomed = new ArrayList<>();
            int batchRescued;
            int batchYoung;
            do {
                long started = System.nanoTime();
                feed.pullFrom(feed.cursor);
                Set<String> now = feed.references();
                now.addAll(localReferences());
                doomed.clear();
                batchRescued = 0;
                batchYoung = 0;
                for (StoredBlob b : batch) {
                    if (now.contains(b.key())) {
                        batchRescued++;
                        continue;
                    }
                    StoredBlob fresh = blobs.stat(b.key()).orElse(null);
                    if (fresh != null && fresh.lastModified().isBefore(cutoff)) {
                        doomed.add(fresh);
                    } else if (fresh != null) {
                        batchYoung++; // written again since it was listed
                    }
                }
                // A re-check that took long is stale: do it again before deleting anything.
                if (Duration.ofNanos(System.nanoTime() - started).compareTo(MAX_WINDOW) <= 0) {
                    break;
                }
            } while (true);
            for (StoredBlob b : doomed) {
                if (!dryRun) {
                    blobs.delete(b.key());
                }
                deleted.add(b);
            }
            rescued += batchRescued;
            young += batchYoung;
        }

        List<PendingUpload> aborted = new ArrayList<>();
        List<PendingUpload> sessions = new ArrayList<>();
        blobs.listUploads(sessions::add);
        for (PendingUpload u : sessions) {
            if (u.lastActive().isBefore(cutoff)) {
                if (!dryRun) {
                    blobs.abort(u.key(), u.token());
                }
                aborted.add(u);
            }
        }
        return new Report(feed.records(), feed.tombstonesKept(), localRefs.size(), referenced.size(), stored.size(),
                stored.stream().mapToLong(StoredBlob::size).sum(), deleted, young, rescued, aborted, dryRun);
    }

    /** The data provider's records in their latest state, and the blobs they reference. */
    private final class Feed {
        private final Instant cutoff;
        private final Map<String, Set<String>> refsByRecord = new HashMap<>();
        private final Set<String> recentTombstones = new HashSet<>();
        private String cursor;

        Feed(Instant cutoff) {
            this.cutoff = cutoff;
        }

        void pullFrom(String from) throws ProviderException {
            cursor = from;
            while (true) {
                ChangePage page = data.changesSince(cursor, PAGE);
                for (RemoteRecord r : page.changes()) {
                    String id = r.table() + "/" + r.id();
                    boolean keep = !r.deleted() || r.updatedAt() == null || r.updatedAt().isAfter(cutoff);
                    Set<String> refs = new HashSet<>();
                    if (keep) {
                        collect(r.fields(), refs);
                    }
                    refsByRecord.put(id, refs);
                    if (r.deleted() && keep) {
                        recentTombstones.add(id);
                    } else {
                        recentTombstones.remove(id);
                    }
                }
                cursor = page.cursor();
                if (!page.hasMore()) {
                    break;
                }
            }
        }

        Set<String> references() {
            Set<String> all = new HashSet<>();
            refsByRecord.values().forEach(all::addAll);
            return all;
        }

        int records() {
            return refsByRecord.size();
        }

        int tombstonesKept() {
            return recentTombstones.size();
        }
    }

    /** Blobs this device's store refers to; empty without a store. */
    private Set<String> localReferences() {
        Set<String> refs = new HashSet<>();
        if (local == null) {
            return refs;
        }
        local.read(c -> {
            for (String table : tables(c)) {
                for (PendingRow p : RecordStore.pendingRows(c, table)) {
                    collect(p.fields(), refs);
                }
                for (BaseRow b : RecordStore.baseRows(c, table)) {
                    collect(b.fields(), refs);
                }
            }
            for (UploadRow u : BlobIndex.uploads(c)) {
                refs.add(u.sha256());
            }
            for (BlobRow b : BlobIndex.all(c)) {
                if (b.dirty()) {
                    refs.add(b.sha256());
                }
            }
            // Losing versions of conflicts: no reader in the store API, and read-only here.
            try (PreparedStatement ps = c.prepareStatement("SELECT local_fields, remote_fields FROM conflicts");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    collectJson(rs.getString(1), refs);
                    collectJson(rs.getString(2), refs);
                }
            }
            return null;
        });
        return refs;
    }

    private static Collection<String> tables(java.sql.Connection c) throws SQLException {
        Set<String> tables = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT tbl FROM base UNION SELECT DISTINCT tbl FROM pending");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        return tables;
    }

    private static void collectJson(String json, Set<String> refs) throws SQLException {
        if (json == null) {
            return;
        }
        try {
            collect(JSON.readTree(json), refs);
        } catch (IOException e) {
            throw new SQLException("a conflict holds unreadable fields", e);
        }
    }

    /** Every {@code {"sha256": "<key>", …}} anywhere in {@code node}. */
    static void collect(JsonNode node, Set<String> refs) {
        if (node == null) {
            return;
        }
        if (node.isObject()) {
            JsonNode sha = node.get("sha256");
            if (sha != null && sha.isTextual() && BlobRef.isSha256(sha.textValue())) {
                refs.add(sha.textValue());
            }
        }
        if (node.isContainerNode()) {
            node.forEach(child -> collect(child, refs));
        }
    }
}

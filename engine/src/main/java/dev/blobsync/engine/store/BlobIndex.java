package dev.blobsync.engine.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * SQL for the blob cache index and the upload queue; runs in the caller's transaction.
 *
 * <p>The upload queue is the rows of {@code uploads} that a record change or a draft (a
 * {@code pending} row that is not a deletion) refers to. A row nothing refers to any more (an
 * editor's replaced save, a change dropped by {@code server-wins}) is no work: every query here
 * leaves it out, and the uploader removes it. Its blob stays dirty in the cache, so it is
 * queued again if a record refers to it later.
 */
public final class BlobIndex {
    /** True for an {@code uploads u} row that a record change or a draft refers to. */
    private static final String REFERENCED = "EXISTS (SELECT 1 FROM pending p WHERE p.deleted = 0"
            + " AND instr(p.fields, u.sha256) > 0)";
    private static final String UPLOAD_COLUMNS = "u.sha256, u.size, u.token, u.attempts, u.last_error,"
            + " u.next_attempt_at, u.created_at";

    private BlobIndex() {
    }

    /**
     * Records a blob now whole in the cache; an existing entry keeps its dirty state and
     * priority and becomes complete.
     */
    public static void put(Connection c, String sha, long size, String type, boolean dirty) throws SQLException {
        put(c, sha, size, type, dirty, "normal");
    }

    /**
     * Like {@link #put(Connection, String, long, String, boolean)}, giving a new entry {@code priority}.
     * A new dirty entry counts as not yet referenced until {@link #markReferenced}.
     */
    public static void put(Connection c, String sha, long size, String type, boolean dirty, String priority)
            throws SQLException {
        long now = System.currentTimeMillis();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO blobs(sha256, size, type, dirty, priority,"
                + " last_access, created_at, referenced) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sha256) DO UPDATE"
                + " SET last_access = excluded.last_access, complete = 1, present = NULL")) {
            ps.setString(1, sha);
            ps.setLong(2, size);
            ps.setString(3, type);
            ps.setInt(4, dirty ? 1 : 0);
            ps.setString(5, priority);
            ps.setLong(6, now);
            ps.setLong(7, now);
            ps.setInt(8, dirty ? 0 : 1);
            ps.executeUpdate();
        }
    }

    /** A record change refers to blob {@code sha}: it is no longer a left-over of a failed write. */
    public static void markReferenced(Connection c, String sha) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE blobs SET referenced = 1 WHERE sha256 = ?"
                + " AND referenced = 0")) {
            ps.setString(1, sha);
            ps.executeUpdate();
        }
    }

    /**
     * Dirty blobs that no record change ever referred to: left by a write that failed after its
     * bytes were stored, or cut off by a crash. Those that nothing refers to now (no outbox entry,
     * no kept conflict version) are returned and may be removed.
     */
    public static List<BlobRow> neverReferenced(Connection c) throws SQLException {
        List<BlobRow> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + BLOB_COLUMNS + " FROM blobs b"
                + " WHERE dirty = 1 AND referenced = 0"
                + " AND NOT EXISTS (SELECT 1 FROM pending p WHERE instr(p.fields, b.sha256) > 0)"
                + " AND NOT EXISTS (SELECT 1 FROM conflicts k WHERE instr(k.local_fields, b.sha256) > 0"
                + " OR instr(k.remote_fields, b.sha256) > 0)");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(blobRow(rs));
            }
        }
        return out;
    }

    /** Removes a blob's index entry if it is still a never-referenced dirty blob; true when removed. */
    public static boolean removeIfNeverReferenced(Connection c, String sha) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM blobs WHERE sha256 = ? AND dirty = 1"
                + " AND referenced = 0 AND NOT EXISTS (SELECT 1 FROM pending p WHERE instr(p.fields, ?) > 0)"
                + " AND NOT EXISTS (SELECT 1 FROM conflicts k WHERE instr(k.local_fields, ?) > 0"
                + " OR instr(k.remote_fields, ?) > 0)")) {
            ps.setString(1, sha);
            ps.setString(2, sha);
            ps.setString(3, sha);
            ps.setString(4, sha);
            return ps.executeUpdate() > 0;
        }
    }

    /** {@code [items, bytes]} of the cache index entries with priority {@code high}. */
    public static long[] pinned(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM blobs WHERE priority = 'high'");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    /** Number of cache index entries. */
    public static long count(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM blobs"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static final String BLOB_COLUMNS =
            "sha256, size, type, dirty, priority, last_access, created_at, complete, present, chunks, referenced";

    public static Optional<BlobRow> get(Connection c, String sha) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + BLOB_COLUMNS + " FROM blobs WHERE sha256 = ?")) {
            ps.setString(1, sha);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(blobRow(rs)) : Optional.empty();
            }
        }
    }

    /** Every cache index entry. */
    public static List<BlobRow> all(Connection c) throws SQLException {
        List<BlobRow> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + BLOB_COLUMNS + " FROM blobs");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(blobRow(rs));
            }
        }
        return out;
    }

    /**
     * Clean blobs in the order they should leave the cache: low priority first, then least
     * recently used ({@code byCreation} false) or oldest ({@code byCreation} true). Pinned
     * ({@code high}) and dirty blobs are never candidates.
     */
    public static List<BlobRow> evictionCandidates(Connection c, boolean byCreation, int limit) throws SQLException {
        List<BlobRow> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + BLOB_COLUMNS + " FROM blobs"
                + " WHERE dirty = 0 AND priority != 'high' AND sha256 NOT IN (SELECT sha256 FROM uploads)"
                + " ORDER BY priority = 'low' DESC, " + (byCreation ? "created_at" : "last_access") + " LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(blobRow(rs));
                }
            }
        }
        return out;
    }

    /** Records a partial blob: cached in part, as a sparse file, with no chunk yet. */
    public static void putPartial(Connection c, String sha, long size, String type, String chunks, String priority)
            throws SQLException {
        long now = System.currentTimeMillis();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO blobs(sha256, size, type, dirty, priority,"
                + " last_access, created_at, complete, present, chunks) VALUES (?, ?, ?, 0, ?, ?, ?, 0, ?, ?)"
                + " ON CONFLICT(sha256) DO NOTHING")) {
            ps.setString(1, sha);
            ps.setLong(2, size);
            ps.setString(3, type);
            ps.setString(4, priority);
            ps.setLong(5, now);
            ps.setLong(6, now);
            ps.setBytes(7, new byte[0]);
            ps.setString(8, chunks);
            ps.executeUpdate();
        }
    }

    public static void setPresent(Connection c, String sha, byte[] bitmap) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE blobs SET present = ?, last_access = ? WHERE sha256 = ?")) {
            ps.setBytes(1, bitmap);
            ps.setLong(2, System.currentTimeMillis());
            ps.setString(3, sha);
            ps.executeUpdate();
        }
    }

    /** A partial blob became whole and verified. */
    public static void markComplete(Connection c, String sha) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE blobs SET complete = 1, present = NULL WHERE sha256 = ?")) {
            ps.setString(1, sha);
            ps.executeUpdate();
        }
    }

    public static void touch(Connection c, String sha, long when) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE blobs SET last_access = ? WHERE sha256 = ?")) {
            ps.setLong(1, when);
            ps.setString(2, sha);
            ps.executeUpdate();
        }
    }

    /** Sets the effective priority of a cached blob; true when it is in the index. */
    public static boolean setPriority(Connection c, String sha, String priority) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE blobs SET priority = ? WHERE sha256 = ?")) {
            ps.setString(1, priority);
            ps.setString(2, sha);
            return ps.executeUpdate() > 0;
        }
    }

    /** The priority set on {@code scope} ({@code table:…}, {@code record:…}, {@code blob:…}), or null. */
    public static String scopePriority(Connection c, String scope) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT priority FROM priorities WHERE scope = ?")) {
            ps.setString(1, scope);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Sets or (with {@code null}) clears the priority of {@code scope}. */
    public static void setScopePriority(Connection c, String scope, String priority) throws SQLException {
        if (priority == null) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM priorities WHERE scope = ?")) {
                ps.setString(1, scope);
                ps.executeUpdate();
            }
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO priorities(scope, priority) VALUES (?, ?)"
                + " ON CONFLICT(scope) DO UPDATE SET priority = excluded.priority")) {
            ps.setString(1, scope);
            ps.setString(2, priority);
            ps.executeUpdate();
        }
    }

    /** Every scope with a priority of {@code priority}. */
    public static List<String> scopesWith(Connection c, String priority) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT scope FROM priorities WHERE priority = ?")) {
            ps.setString(1, priority);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static BlobRow blobRow(ResultSet rs) throws SQLException {
        return new BlobRow(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getInt(4) != 0, rs.getString(5),
                rs.getLong(6), rs.getLong(7), rs.getInt(8) != 0, rs.getBytes(9), rs.getString(10), rs.getInt(11) != 0);
    }

    public static void markClean(Connection c, String sha) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE blobs SET dirty = 0 WHERE sha256 = ?")) {
            ps.setString(1, sha);
            ps.executeUpdate();
        }
    }

    public static void remove(Connection c, String sha) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM blobs WHERE sha256 = ?")) {
            ps.setString(1, sha);
            ps.executeUpdate();
        }
    }

    /** Queues {@code sha} for upload unless it is queued already; true when newly queued. */
    public static boolean enqueueUpload(Connection c, String sha, long size) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT OR IGNORE INTO uploads(sha256, size, created_at) VALUES (?, ?, ?)")) {
            ps.setString(1, sha);
            ps.setLong(2, size);
            ps.setLong(3, System.currentTimeMillis());
            return ps.executeUpdate() > 0;
        }
    }

    /** The upload row of {@code sha}, whether or not anything refers to it. */
    public static Optional<UploadRow> upload(Connection c, String sha) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT sha256, size, token, attempts, last_error,"
                + " next_attempt_at, created_at FROM uploads WHERE sha256 = ?")) {
            ps.setString(1, sha);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(uploadRow(rs)) : Optional.empty();
            }
        }
    }

    /**
     * Queued uploads due at {@code now} and queued before {@code queuedBefore}, oldest first; rows
     * nothing refers to are left out, so they never take a place of one that counts.
     */
    public static List<UploadRow> dueUploads(Connection c, long now, long queuedBefore, int limit)
            throws SQLException {
        List<UploadRow> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + UPLOAD_COLUMNS + " FROM uploads u"
                + " WHERE u.next_attempt_at <= ? AND u.created_at <= ? AND " + REFERENCED
                + " ORDER BY u.created_at, u.sha256 LIMIT ?")) {
            ps.setLong(1, now);
            ps.setLong(2, queuedBefore);
            ps.setInt(3, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(uploadRow(rs));
                }
            }
        }
        return out;
    }

    /** The upload queue: every upload a record change or draft refers to, oldest first. */
    public static List<UploadRow> queuedUploads(Connection c) throws SQLException {
        List<UploadRow> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + UPLOAD_COLUMNS + " FROM uploads u WHERE "
                + REFERENCED + " ORDER BY u.created_at, u.sha256");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(uploadRow(rs));
            }
        }
        return out;
    }

    /** The upload of {@code sha} if it is in the upload queue (a record change or draft refers to it). */
    public static Optional<UploadRow> queuedUpload(Connection c, String sha) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + UPLOAD_COLUMNS + " FROM uploads u"
                + " WHERE u.sha256 = ? AND " + REFERENCED)) {
            ps.setString(1, sha);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(uploadRow(rs)) : Optional.empty();
            }
        }
    }

    /** Upload rows nothing refers to any more; the uploader removes them. */
    public static List<UploadRow> unreferencedUploads(Connection c) throws SQLException {
        List<UploadRow> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + UPLOAD_COLUMNS + " FROM uploads u WHERE NOT "
                + REFERENCED);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(uploadRow(rs));
            }
        }
        return out;
    }

    /** Removes the upload row of {@code sha} if nothing refers to it; true when removed. */
    public static boolean removeUploadIfUnreferenced(Connection c, String sha) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM uploads AS u WHERE u.sha256 = ? AND NOT "
                + REFERENCED)) {
            ps.setString(1, sha);
            return ps.executeUpdate() > 0;
        }
    }

    /** Every upload row, also those nothing refers to (garbage collection keeps their blobs). */
    public static List<UploadRow> uploads(Connection c) throws SQLException {
        List<UploadRow> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT sha256, size, token, attempts, last_error,"
                + " next_attempt_at, created_at FROM uploads ORDER BY created_at, sha256");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(uploadRow(rs));
            }
        }
        return out;
    }

    /**
     * {@code [count, bytes, failing]} of the upload queue: what a flush waits for, and what
     * {@code offline.maxQueueSize} limits. Replaced versions (an editor's earlier saves) are no
     * part of it.
     */
    public static long[] referencedUploads(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*), COALESCE(SUM(u.size), 0),"
                + " COALESCE(SUM(u.next_attempt_at = 9223372036854775807), 0) FROM uploads u WHERE " + REFERENCED);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
        }
    }

    /** Bytes in the upload queue (what {@code offline.maxQueueSize} limits). */
    public static long queuedBytes(Connection c) throws SQLException {
        return referencedUploads(c)[1];
    }

    /** Makes every waiting upload due now (flush, reconnect) with a fresh set of attempts. */
    public static void makeUploadsDue(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE uploads SET next_attempt_at = 0,"
                + " attempts = MIN(attempts, 1)")) {
            ps.executeUpdate();
        }
    }

    public static void setUploadToken(Connection c, String sha, String token) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE uploads SET token = ? WHERE sha256 = ?")) {
            ps.setString(1, token);
            ps.setString(2, sha);
            ps.executeUpdate();
        }
    }

    public static void recordUploadFailure(Connection c, String sha, String error, long nextAttemptAt)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE uploads SET attempts = attempts + 1,"
                + " last_error = ?, next_attempt_at = ? WHERE sha256 = ?")) {
            ps.setString(1, error);
            ps.setLong(2, nextAttemptAt);
            ps.setString(3, sha);
            ps.executeUpdate();
        }
    }

    public static void removeUpload(Connection c, String sha) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM uploads WHERE sha256 = ?")) {
            ps.setString(1, sha);
            ps.executeUpdate();
        }
    }

    private static UploadRow uploadRow(ResultSet rs) throws SQLException {
        return new UploadRow(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getInt(4), rs.getString(5),
                rs.getLong(6), rs.getLong(7));
    }
}

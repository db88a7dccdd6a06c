package dev.blobsync.engine.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** SQL for the blob cache index and the upload queue; runs in the caller's transaction. */
public final class BlobIndex {
    private BlobIndex() {
    }

    /**
     * Records a blob now whole in the cache; an existing entry keeps its dirty state and
     * priority and becomes complete.
     */
    public static void put(Connection c, String sha, long size, String type, boolean dirty) throws SQLException {
        put(c, sha, size, type, dirty, "normal");
    }

    /** Like {@link #put(Connection, String, long, String, boolean)}, giving a new entry {@code priority}. */
    public static void put(Connection c, String sha, long size, String type, boolean dirty, String priority)
            throws SQLException {
        long now = System.currentTimeMillis();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO blobs(sha256, size, type, dirty, priority,"
                + " last_access, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sha256) DO UPDATE SET"
                + " last_access = excluded.last_access, complete = 1, present = NULL")) {
            ps.setString(1, sha);
            ps.setLong(2, size);
            ps.setString(3, type);
            ps.setInt(4, dirty ? 1 : 0);
            ps.setString(5, priority);
            ps.setLong(6, now);
            ps.setLong(7, now);
            ps.executeUpdate();
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
            "sha256, size, type, dirty, priority, last_access, created_at, complete, present, chunks";

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
                rs.getLong(6), rs.getLong(7), rs.getInt(8) != 0, rs.getBytes(9), rs.getString(10));
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

    public static Optional<UploadRow> upload(Connection c, String sha) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT sha256, size, token, attempts, last_error,"
                + " next_attempt_at, created_at FROM uploads WHERE sha256 = ?")) {
            ps.setString(1, sha);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(uploadRow(rs)) : Optional.empty();
            }
        }
    }

    /** Uploads due at {@code now} and queued before {@code queuedBefore}, oldest first. */
    public static List<UploadRow> dueUploads(Connection c, long now, long queuedBefore, int limit)
            throws SQLException {
        List<UploadRow> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT sha256, size, token, attempts, last_error,"
                + " next_attempt_at, created_at FROM uploads WHERE next_attempt_at <= ? AND created_at <= ?"
                + " ORDER BY created_at, sha256 LIMIT ?")) {
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

    /** Every queued upload, oldest first. */
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

    /** True when an outbox entry (a record change or a draft) references blob {@code sha}. */
    public static boolean referencedByOutbox(Connection c, String sha) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM pending WHERE deleted = 0 AND instr(fields, ?) > 0 LIMIT 1")) {
            ps.setString(1, sha);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * {@code [count, bytes, failing]} of the uploads that an outbox entry references: the ones a
     * flush waits for. Superseded versions (an editor's intermediate saves) are not counted.
     */
    public static long[] referencedUploads(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*), COALESCE(SUM(size), 0),"
                + " COALESCE(SUM(next_attempt_at = 9223372036854775807), 0) FROM uploads u WHERE EXISTS (SELECT 1 FROM pending p"
                + " WHERE p.deleted = 0 AND instr(p.fields, u.sha256) > 0)");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
        }
    }

    /** Total bytes queued for upload (what {@code offline.maxQueueSize} limits). */
    public static long queuedBytes(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(SUM(size), 0) FROM uploads");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** Puts off an upload until {@code at} without counting a failure. */
    public static void deferUpload(Connection c, String sha, long at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE uploads SET next_attempt_at = ? WHERE sha256 = ?")) {
            ps.setLong(1, at);
            ps.setString(2, sha);
            ps.executeUpdate();
        }
    }

    public static long uploadCount(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM uploads");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
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

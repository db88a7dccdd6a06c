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

    /** Records a blob now present in the cache; an existing entry keeps its dirty state. */
    public static void put(Connection c, String sha, long size, String type, boolean dirty) throws SQLException {
        long now = System.currentTimeMillis();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO blobs(sha256, size, type, dirty, last_access,"
                + " created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(sha256) DO UPDATE SET"
                + " last_access = excluded.last_access")) {
            ps.setString(1, sha);
            ps.setLong(2, size);
            ps.setString(3, type);
            ps.setInt(4, dirty ? 1 : 0);
            ps.setLong(5, now);
            ps.setLong(6, now);
            ps.executeUpdate();
        }
    }

    public static Optional<BlobRow> get(Connection c, String sha) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT sha256, size, type, dirty, priority, last_access FROM blobs WHERE sha256 = ?")) {
            ps.setString(1, sha);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new BlobRow(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getInt(4) != 0,
                        rs.getString(5), rs.getLong(6)));
            }
        }
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

    /** Queues {@code sha} for upload unless it is queued already. */
    public static void enqueueUpload(Connection c, String sha, long size) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT OR IGNORE INTO uploads(sha256, size, created_at) VALUES (?, ?, ?)")) {
            ps.setString(1, sha);
            ps.setLong(2, size);
            ps.setLong(3, System.currentTimeMillis());
            ps.executeUpdate();
        }
    }

    public static Optional<UploadRow> upload(Connection c, String sha) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT sha256, size, token, attempts, last_error,"
                + " next_attempt_at FROM uploads WHERE sha256 = ?")) {
            ps.setString(1, sha);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(uploadRow(rs)) : Optional.empty();
            }
        }
    }

    /** Uploads due at {@code now}, oldest first. */
    public static List<UploadRow> dueUploads(Connection c, long now, int limit) throws SQLException {
        List<UploadRow> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT sha256, size, token, attempts, last_error,"
                + " next_attempt_at FROM uploads WHERE next_attempt_at <= ? ORDER BY created_at, sha256 LIMIT ?")) {
            ps.setLong(1, now);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(uploadRow(rs));
                }
            }
        }
        return out;
    }

    public static long uploadCount(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM uploads");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** Makes every waiting upload due now (flush, reconnect). */
    public static void makeUploadsDue(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE uploads SET next_attempt_at = 0")) {
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
                rs.getLong(6));
    }
}

package dev.blobsync.engine.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.spi.RemoteRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * SQL for the base and outbox tables. Every method runs inside the caller's transaction
 * ({@link LocalStore#write} or {@link LocalStore#read}).
 */
public final class RecordStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PENDING_COLUMNS = "tbl, id, seq, mutation_id, fields, changed, deleted,"
            + " base_rev, draft, attempts, last_error, updated_at";

    private RecordStore() {
    }

    public static Optional<BaseRow> base(Connection c, String table, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT tbl, id, rev, deleted, fields, updated_at FROM base WHERE tbl = ? AND id = ?")) {
            ps.setString(1, table);
            ps.setString(2, id.toString());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(baseRow(rs)) : Optional.empty();
            }
        }
    }

    public static List<BaseRow> baseRows(Connection c, String table) throws SQLException {
        List<BaseRow> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT tbl, id, rev, deleted, fields, updated_at FROM base WHERE tbl = ? AND deleted = 0")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(baseRow(rs));
                }
            }
        }
        return out;
    }

    public static Optional<PendingRow> pending(Connection c, String table, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT " + PENDING_COLUMNS + " FROM pending WHERE tbl = ? AND id = ?")) {
            ps.setString(1, table);
            ps.setString(2, id.toString());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(pendingRow(rs)) : Optional.empty();
            }
        }
    }

    public static List<PendingRow> pendingRows(Connection c, String table) throws SQLException {
        List<PendingRow> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT " + PENDING_COLUMNS + " FROM pending WHERE tbl = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(pendingRow(rs));
                }
            }
        }
        return out;
    }

    /** Outbox entries ready to push (not drafts), oldest change first. */
    public static List<PendingRow> pushable(Connection c, int limit) throws SQLException {
        List<PendingRow> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT " + PENDING_COLUMNS + " FROM pending WHERE draft = 0 ORDER BY seq LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(pendingRow(rs));
                }
            }
        }
        return out;
    }

    /** Counts outbox entries: {@code [ready to push, drafts]}. */
    public static long[] pendingCounts(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT COALESCE(SUM(draft = 0), 0), COALESCE(SUM(draft = 1), 0) FROM pending");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    /** Outbox entries whose last push failed. */
    public static long failingCount(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM pending WHERE last_error IS NOT NULL");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Forgets the failures of every outbox entry, so each is pushed again at once. */
    public static void clearFailures(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE pending SET attempts = 0, last_error = NULL")) {
            ps.executeUpdate();
        }
    }

    public static void putPending(Connection c, PendingRow p) throws SQLException {
        ArrayNode changed = JSON.createArrayNode();
        p.changed().forEach(changed::add);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO pending(" + PENDING_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(tbl, id) DO UPDATE SET"
                + " seq = excluded.seq, mutation_id = excluded.mutation_id, fields = excluded.fields,"
                + " changed = excluded.changed, deleted = excluded.deleted, base_rev = excluded.base_rev,"
                + " draft = excluded.draft, attempts = excluded.attempts, last_error = excluded.last_error,"
                + " updated_at = excluded.updated_at")) {
            ps.setString(1, p.table());
            ps.setString(2, p.id().toString());
            ps.setLong(3, p.seq());
            ps.setString(4, p.mutationId());
            ps.setString(5, p.fields().toString());
            ps.setString(6, changed.toString());
            ps.setInt(7, p.deleted() ? 1 : 0);
            ps.setLong(8, p.baseRev());
            ps.setInt(9, p.draft() ? 1 : 0);
            ps.setInt(10, p.attempts());
            ps.setString(11, p.lastError());
            ps.setLong(12, p.updatedAt().toEpochMilli());
            ps.executeUpdate();
        }
    }

    /** Removes the outbox entry if it is still the one with {@code seq}; true when removed. */
    public static boolean removePending(Connection c, String table, UUID id, long seq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM pending WHERE tbl = ? AND id = ? AND seq = ?")) {
            ps.setString(1, table);
            ps.setString(2, id.toString());
            ps.setLong(3, seq);
            return ps.executeUpdate() > 0;
        }
    }

    /** Removes the outbox entry whatever its seq. */
    public static void removePending(Connection c, String table, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM pending WHERE tbl = ? AND id = ?")) {
            ps.setString(1, table);
            ps.setString(2, id.toString());
            ps.executeUpdate();
        }
    }

    public static void recordPushFailure(Connection c, String table, UUID id, long seq, String error)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE pending SET attempts = attempts + 1,"
                + " last_error = ? WHERE tbl = ? AND id = ? AND seq = ?")) {
            ps.setString(1, error);
            ps.setString(2, table);
            ps.setString(3, id.toString());
            ps.setLong(4, seq);
            ps.executeUpdate();
        }
    }

    /** Stores a remote state as the base when it is newer than the one held; true when stored. */
    public static boolean putBase(Connection c, RemoteRecord r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO base(tbl, id, rev, deleted, fields, updated_at)"
                + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(tbl, id) DO UPDATE SET rev = excluded.rev,"
                + " deleted = excluded.deleted, fields = excluded.fields, updated_at = excluded.updated_at"
                + " WHERE excluded.rev > base.rev")) {
            ps.setString(1, r.table());
            ps.setString(2, r.id().toString());
            ps.setLong(3, r.rev());
            ps.setInt(4, r.deleted() ? 1 : 0);
            ps.setString(5, r.fields().toString());
            ps.setLong(6, r.updatedAt().toEpochMilli());
            return ps.executeUpdate() > 0;
        }
    }

    public static void putConflict(Connection c, RemoteRecord remote, ObjectNode local, String resolution)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO conflicts(tbl, id, remote_rev, remote_fields,"
                + " local_fields, resolution, at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, remote.table());
            ps.setString(2, remote.id().toString());
            ps.setLong(3, remote.rev());
            ps.setString(4, remote.fields().toString());
            ps.setString(5, local.toString());
            ps.setString(6, resolution);
            ps.setLong(7, System.currentTimeMillis());
            ps.executeUpdate();
        }
    }

    /** The newest entry of the conflicts table for one record with {@code resolution}; 0 when none. */
    /** The conflicts kept on this device, newest first, at most {@code limit}. */
    public static List<ConflictRow> conflicts(Connection c, int limit) throws SQLException {
        List<ConflictRow> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT seq, tbl, id, resolution, at, remote_rev, remote_fields,"
                + " local_fields FROM conflicts ORDER BY seq DESC LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new ConflictRow(rs.getLong(1), rs.getString(2), UUID.fromString(rs.getString(3)),
                            rs.getString(4), Instant.ofEpochMilli(rs.getLong(5)), rs.getLong(6),
                            object(rs.getString(7)), object(rs.getString(8))));
                }
            }
        }
        return out;
    }

    public static long lastConflict(Connection c, String table, UUID id, String resolution) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT COALESCE(MAX(seq), 0) FROM conflicts WHERE tbl = ? AND id = ? AND resolution = ?")) {
            ps.setString(1, table);
            ps.setString(2, id.toString());
            ps.setString(3, resolution);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    private static BaseRow baseRow(ResultSet rs) throws SQLException {
        return new BaseRow(rs.getString(1), UUID.fromString(rs.getString(2)), rs.getLong(3), rs.getInt(4) != 0,
                object(rs.getString(5)), Instant.ofEpochMilli(rs.getLong(6)));
    }

    private static PendingRow pendingRow(ResultSet rs) throws SQLException {
        Set<String> changed = new LinkedHashSet<>();
        for (JsonNode n : parse(rs.getString(6))) {
            changed.add(n.asText());
        }
        return new PendingRow(rs.getString(1), UUID.fromString(rs.getString(2)), rs.getLong(3), rs.getString(4),
                object(rs.getString(5)), changed, rs.getInt(7) != 0, rs.getLong(8), rs.getInt(9) != 0,
                rs.getInt(10), rs.getString(11), Instant.ofEpochMilli(rs.getLong(12)));
    }

    private static ObjectNode object(String json) throws SQLException {
        JsonNode n = parse(json);
        if (!(n instanceof ObjectNode o)) {
            throw new SQLException("a stored record is not a JSON object: " + json);
        }
        return o;
    }

    private static JsonNode parse(String json) throws SQLException {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SQLException("unreadable JSON in the local store: " + e.getOriginalMessage(), e);
        }
    }
}

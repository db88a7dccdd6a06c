package dev.blobsync.engine.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.spi.Clocks;
import dev.blobsync.engine.spi.Hlc;
import dev.blobsync.engine.spi.RemoteRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
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
            + " base_rev, draft, attempts, last_error, updated_at, clocks, seen, held";
    private static final String BASE_COLUMNS = "tbl, id, rev, deleted, fields, updated_at, clocks";
    private static final String CONFLICT_COLUMNS = "seq, tbl, id, resolution, at, remote_rev, remote_fields,"
            + " local_fields, fields, is_open, remote_device, remote_deleted, local_deleted, winner";

    private RecordStore() {
    }

    public static Optional<BaseRow> base(Connection c, String table, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT " + BASE_COLUMNS + " FROM base WHERE tbl = ? AND id = ?")) {
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
                "SELECT " + BASE_COLUMNS + " FROM base WHERE tbl = ? AND deleted = 0")) {
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

    /** Outbox entries ready to push (not drafts, not held for a manual choice), oldest change first; entries that failed last. */
    public static List<PendingRow> pushable(Connection c, int limit) throws SQLException {
        List<PendingRow> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT " + PENDING_COLUMNS + " FROM pending WHERE draft = 0 AND held = 0"
                        + " ORDER BY last_error IS NOT NULL, seq LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(pendingRow(rs));
                }
            }
        }
        return out;
    }

    /** Counts outbox entries: {@code [ready to push, drafts, held for a manual choice]}. */
    public static long[] pendingCounts(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(SUM(draft = 0 AND held = 0), 0),"
                + " COALESCE(SUM(draft = 1), 0), COALESCE(SUM(draft = 0 AND held = 1), 0) FROM pending");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
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
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(tbl, id) DO UPDATE SET"
                + " seq = excluded.seq, mutation_id = excluded.mutation_id, fields = excluded.fields,"
                + " changed = excluded.changed, deleted = excluded.deleted, base_rev = excluded.base_rev,"
                + " draft = excluded.draft, attempts = excluded.attempts, last_error = excluded.last_error,"
                + " updated_at = excluded.updated_at, clocks = excluded.clocks, seen = excluded.seen,"
                + " held = excluded.held")) {
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
            ps.setString(13, Clocks.toJson(p.clocks()).toString());
            ps.setString(14, Clocks.toJson(p.seen()).toString());
            ps.setInt(15, p.held() ? 1 : 0);
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

    private static final String PUT_BASE = "INSERT INTO base(" + BASE_COLUMNS + ")"
            + " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(tbl, id) DO UPDATE SET rev = excluded.rev,"
            + " deleted = excluded.deleted, fields = excluded.fields, updated_at = excluded.updated_at,"
            + " clocks = excluded.clocks WHERE excluded.rev > base.rev";

    /** Stores a remote state as the base when it is newer than the one held; true when stored. */
    public static boolean putBase(Connection c, RemoteRecord r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(PUT_BASE)) {
            return bindBase(ps, r).executeUpdate() > 0;
        }
    }

    /**
     * Stores a page of remote states, each only when newer than the one held, with one prepared
     * statement; returns those stored.
     */
    public static List<RemoteRecord> putBases(Connection c, List<RemoteRecord> page) throws SQLException {
        List<RemoteRecord> stored = new ArrayList<>(page.size());
        try (PreparedStatement ps = c.prepareStatement(PUT_BASE)) {
            for (RemoteRecord r : page) {
                if (bindBase(ps, r).executeUpdate() > 0) {
                    stored.add(r);
                }
            }
        }
        return stored;
    }

    private static PreparedStatement bindBase(PreparedStatement ps, RemoteRecord r) throws SQLException {
        ps.setString(1, r.table());
        ps.setString(2, r.id().toString());
        ps.setLong(3, r.rev());
        ps.setInt(4, r.deleted() ? 1 : 0);
        ps.setString(5, r.fields().toString());
        ps.setLong(6, r.updatedAt().toEpochMilli());
        ps.setString(7, Clocks.toJson(r.clocks()).toString());
        return ps;
    }

    /** Keeps a conflict with both versions; returns its seq. */
    public static long putConflict(Connection c, RemoteRecord remote, ObjectNode local, String resolution,
                                   String winner, Set<String> fields, boolean open, String remoteDevice,
                                   boolean localDeleted) throws SQLException {
        ArrayNode names = JSON.createArrayNode();
        fields.forEach(names::add);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO conflicts(tbl, id, remote_rev, remote_fields,"
                + " local_fields, resolution, at, fields, is_open, remote_device, remote_deleted, local_deleted, winner)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq")) {
            ps.setString(1, remote.table());
            ps.setString(2, remote.id().toString());
            ps.setLong(3, remote.rev());
            ps.setString(4, remote.fields().toString());
            ps.setString(5, local.toString());
            ps.setString(6, resolution);
            ps.setLong(7, System.currentTimeMillis());
            ps.setString(8, names.toString());
            ps.setInt(9, open ? 1 : 0);
            ps.setString(10, remoteDevice);
            ps.setInt(11, remote.deleted() ? 1 : 0);
            ps.setInt(12, localDeleted ? 1 : 0);
            ps.setString(13, winner);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The open (manual) conflict of one record, if any. */
    public static Optional<ConflictRow> openConflict(Connection c, String table, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + CONFLICT_COLUMNS
                + " FROM conflicts WHERE tbl = ? AND id = ? AND is_open = 1 ORDER BY seq DESC LIMIT 1")) {
            ps.setString(1, table);
            ps.setString(2, id.toString());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(conflictRow(rs)) : Optional.empty();
            }
        }
    }

    /** Every open (manual) conflict, oldest first. */
    public static List<ConflictRow> openConflicts(Connection c) throws SQLException {
        List<ConflictRow> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + CONFLICT_COLUMNS
                + " FROM conflicts WHERE is_open = 1 ORDER BY seq")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(conflictRow(rs));
                }
            }
        }
        return out;
    }

    /** True when any conflict is open; cheap, for callers that would otherwise look per record. */
    public static boolean anyOpenConflict(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM conflicts WHERE is_open = 1 LIMIT 1");
             ResultSet rs = ps.executeQuery()) {
            return rs.next();
        }
    }

    /** Shows a newer remote state in an open conflict of its record (the pull brought one). */
    public static void refreshOpenConflict(Connection c, RemoteRecord remote) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE conflicts SET remote_rev = ?, remote_fields = ?,"
                + " remote_deleted = ? WHERE tbl = ? AND id = ? AND is_open = 1 AND remote_rev < ?")) {
            ps.setLong(1, remote.rev());
            ps.setString(2, remote.fields().toString());
            ps.setInt(3, remote.deleted() ? 1 : 0);
            ps.setString(4, remote.table());
            ps.setString(5, remote.id().toString());
            ps.setLong(6, remote.rev());
            ps.executeUpdate();
        }
    }

    /** Closes the open conflict {@code seq} with the choice made, or narrows it to the fields left. */
    public static void settleConflict(Connection c, long seq, String winner, Set<String> fieldsLeft)
            throws SQLException {
        ArrayNode names = JSON.createArrayNode();
        fieldsLeft.forEach(names::add);
        try (PreparedStatement ps = c.prepareStatement(fieldsLeft.isEmpty()
                ? "UPDATE conflicts SET is_open = 0, winner = CASE WHEN winner IS NULL OR winner = ? THEN ?"
                        + " ELSE 'mixed' END WHERE seq = ?"
                : "UPDATE conflicts SET fields = ?, winner = CASE WHEN winner IS NULL OR winner = ? THEN ?"
                        + " ELSE 'mixed' END WHERE seq = ?")) {
            int i = 1;
            if (!fieldsLeft.isEmpty()) {
                ps.setString(i++, names.toString());
            }
            ps.setString(i++, winner);
            ps.setString(i++, winner);
            ps.setLong(i, seq);
            ps.executeUpdate();
        }
    }

    /** The conflicts kept on this device, newest first, at most {@code limit}. */
    public static List<ConflictRow> conflicts(Connection c, int limit) throws SQLException {
        List<ConflictRow> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + CONFLICT_COLUMNS
                + " FROM conflicts ORDER BY seq DESC LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(conflictRow(rs));
                }
            }
        }
        return out;
    }

    private static ConflictRow conflictRow(ResultSet rs) throws SQLException {
        Set<String> fields = new LinkedHashSet<>();
        for (JsonNode n : parse(rs.getString(9))) {
            fields.add(n.asText());
        }
        return new ConflictRow(rs.getLong(1), rs.getString(2), UUID.fromString(rs.getString(3)), rs.getString(4),
                Instant.ofEpochMilli(rs.getLong(5)), rs.getLong(6), object(rs.getString(7)), object(rs.getString(8)),
                fields, rs.getInt(10) != 0, rs.getString(11), rs.getInt(12) != 0, rs.getInt(13) != 0,
                rs.getString(14));
    }

    /**
     * The newest conflict of one record in which this device's change lost (wholly or in part;
     * also rows from before winners were kept, when server-wins settled them); 0 when none.
     */
    public static long lastLostConflict(Connection c, String table, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(MAX(seq), 0) FROM conflicts"
                + " WHERE tbl = ? AND id = ? AND (winner IN ('remote', 'mixed')"
                + " OR (winner IS NULL AND resolution = 'server-wins'))")) {
            ps.setString(1, table);
            ps.setString(2, id.toString());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    private static BaseRow baseRow(ResultSet rs) throws SQLException {
        return new BaseRow(rs.getString(1), UUID.fromString(rs.getString(2)), rs.getLong(3), rs.getInt(4) != 0,
                object(rs.getString(5)), clocks(rs.getString(7)), Instant.ofEpochMilli(rs.getLong(6)));
    }

    private static PendingRow pendingRow(ResultSet rs) throws SQLException {
        Set<String> changed = new LinkedHashSet<>();
        for (JsonNode n : parse(rs.getString(6))) {
            changed.add(n.asText());
        }
        return new PendingRow(rs.getString(1), UUID.fromString(rs.getString(2)), rs.getLong(3), rs.getString(4),
                object(rs.getString(5)), changed, rs.getInt(7) != 0, rs.getLong(8), rs.getInt(9) != 0,
                rs.getInt(10), rs.getString(11), Instant.ofEpochMilli(rs.getLong(12)), clocks(rs.getString(13)),
                clocks(rs.getString(14)), rs.getInt(15) != 0);
    }

    private static Map<String, Hlc> clocks(String json) throws SQLException {
        try {
            return Clocks.fromJson(parse(json));
        } catch (IllegalArgumentException e) {
            throw new SQLException("unreadable clocks in the local store: " + json, e);
        }
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

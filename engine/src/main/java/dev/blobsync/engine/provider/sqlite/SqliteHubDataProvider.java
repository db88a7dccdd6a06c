package dev.blobsync.engine.provider.sqlite;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.internal.FileModes;
import dev.blobsync.engine.provider.RecordMerge;
import dev.blobsync.engine.spi.ChangePage;
import dev.blobsync.engine.spi.Clocks;
import dev.blobsync.engine.spi.Hlc;
import dev.blobsync.engine.spi.DataProvider;
import dev.blobsync.engine.spi.Mutation;
import dev.blobsync.engine.spi.ProviderException;
import dev.blobsync.engine.spi.PushResult;
import dev.blobsync.engine.spi.RemoteRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.sqlite.SQLiteConfig;

/**
 * The embedded default data provider: a hub folder holding {@code data.db}, a SQLite file in
 * WAL mode that several processes on one machine share.
 *
 * <p>Revisions come from one counter row updated inside the same {@code BEGIN IMMEDIATE}
 * transaction as the record, so revisions are handed out in commit order and a reader of
 * {@code rev > cursor} never skips a change that commits later with a smaller revision.
 * Mutations are applied by {@link RecordMerge}, the rule every provider shares.
 *
 * <p>One connection per provider, guarded by {@code this}.
 */
public final class SqliteHubDataProvider implements DataProvider {
    static final String FILE_NAME = "data.db";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COLUMNS = "tbl, id, rev, deleted, fields, updated_at, clocks";

    private final Path hub;
    private final Connection conn;

    private SqliteHubDataProvider(Path hub, Connection conn) {
        this.hub = hub;
        this.conn = conn;
    }

    /**
     * Versioned migrations of the hub file ({@code PRAGMA user_version}); index {@code i} moves
     * it from version i to i + 1. Version 1 uses IF NOT EXISTS because hubs written before
     * versioning hold its tables at version 0.
     */
    private static final List<String[]> MIGRATIONS = List.of(new String[] {
        "CREATE TABLE IF NOT EXISTS records(tbl TEXT NOT NULL, id TEXT NOT NULL,"
                + " rev INTEGER NOT NULL, deleted INTEGER NOT NULL, fields TEXT NOT NULL,"
                + " updated_at INTEGER NOT NULL, PRIMARY KEY(tbl, id))",
        "CREATE INDEX IF NOT EXISTS records_by_rev ON records(rev)",
        "CREATE TABLE IF NOT EXISTS applied_mutations(mutation_id TEXT PRIMARY KEY,"
                + " tbl TEXT NOT NULL, id TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS counter(k INTEGER PRIMARY KEY CHECK (k = 1), rev INTEGER NOT NULL)",
        "INSERT OR IGNORE INTO counter(k, rev) VALUES (1, 0)",
    }, new String[] {
        // Per-field hybrid logical clocks; records written before them have none (clock zero).
        "ALTER TABLE records ADD COLUMN clocks TEXT NOT NULL DEFAULT '{}'",
    });

    /** Opens (and creates when needed) the hub at {@code hub}, for one user: 0600 files in a 0700 folder. */
    public static SqliteHubDataProvider open(Path hub) throws ProviderException {
        return open(hub, false);
    }

    /**
     * Opens (and creates when needed) the hub at {@code hub}. {@code data.db} and its
     * {@code -wal}/{@code -shm} are 0600 in a 0700 folder, or with {@code shared} 0660 in a 0770
     * folder for a hub several local users share through a group (see {@link FileModes}).
     */
    public static SqliteHubDataProvider open(Path hub, boolean shared) throws ProviderException {
        FileModes modes = FileModes.of(shared);
        try {
            modes.createDirectories(hub);
            if (!shared) {
                modes.restrictDirectory(hub);
            }
            modes.database(hub.resolve(FILE_NAME));
        } catch (IOException e) {
            throw new ProviderException("Cannot create the hub folder " + hub + ": " + e.getMessage(), false, e);
        }
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // The hub is the shared truth: FULL makes every acknowledged push survive power loss.
        cfg.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        cfg.setBusyTimeout(15_000);
        try {
            Connection c = cfg.createConnection("jdbc:sqlite:" + hub.resolve(FILE_NAME));
            migrate(c, hub);
            return new SqliteHubDataProvider(hub, c);
        } catch (SQLException e) {
            throw new ProviderException("Cannot open the hub database " + hub.resolve(FILE_NAME)
                    + ": " + e.getMessage(), false, e);
        }
    }

    private static void migrate(Connection c, Path hub) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("BEGIN IMMEDIATE");
            try {
                int version;
                try (ResultSet rs = st.executeQuery("PRAGMA user_version")) {
                    version = rs.getInt(1);
                }
                if (version > MIGRATIONS.size()) {
                    throw new SQLException("the hub " + hub + " was written by a newer blobsync (hub version "
                            + version + ", this one knows " + MIGRATIONS.size() + ")");
                }
                for (int v = version; v < MIGRATIONS.size(); v++) {
                    for (String sql : MIGRATIONS.get(v)) {
                        st.execute(sql);
                    }
                    st.execute("PRAGMA user_version = " + (v + 1));
                }
                st.execute("COMMIT");
            } catch (SQLException | RuntimeException e) {
                st.execute("ROLLBACK");
                throw e;
            }
        }
    }

    @Override
    public synchronized List<PushResult> push(List<Mutation> mutations) throws ProviderException {
        List<PushResult> results = new ArrayList<>(mutations.size());
        try (Statement st = conn.createStatement()) {
            st.execute("BEGIN IMMEDIATE");
            try {
                for (Mutation m : mutations) {
                    results.add(RecordMerge.push(m, target));
                }
                st.execute("COMMIT");
            } catch (SQLException | RuntimeException e) {
                st.execute("ROLLBACK");
                throw e;
            }
        } catch (SQLException e) {
            throw new ProviderException("Pushing to " + describe() + " failed: " + e.getMessage(), true, e);
        }
        return results;
    }

    /** The hub's storage steps for {@link RecordMerge}; the whole file is locked by BEGIN IMMEDIATE. */
    private final RecordMerge.Target target = new RecordMerge.Target() {
        @Override
        public RemoteRecord lockAndGet(String table, UUID id) throws SQLException {
            try (PreparedStatement ps = conn.prepareStatement("SELECT " + COLUMNS
                    + " FROM records WHERE tbl = ? AND id = ?")) {
                ps.setString(1, table);
                ps.setString(2, id.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? row(rs) : null;
                }
            }
        }

        @Override
        public boolean applied(String mutationId) throws SQLException {
            try (PreparedStatement ps = conn.prepareStatement(
                    "SELECT 1 FROM applied_mutations WHERE mutation_id = ?")) {
                ps.setString(1, mutationId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        }

        @Override
        public RemoteRecord write(String table, UUID id, boolean deleted, ObjectNode fields, Map<String, Hlc> clocks,
                                  RemoteRecord previous) throws SQLException {
            long rev;
            // The counter row is updated inside the writer's BEGIN IMMEDIATE transaction, so
            // revisions are handed out in commit order.
            try (Statement st = conn.createStatement();
                 ResultSet rs = st.executeQuery("UPDATE counter SET rev = rev + 1 WHERE k = 1 RETURNING rev")) {
                rs.next();
                rev = rs.getLong(1);
            }
            long now = System.currentTimeMillis();
            try (PreparedStatement ps = conn.prepareStatement("INSERT INTO records(tbl, id, rev, deleted, fields,"
                    + " updated_at, clocks) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(tbl, id) DO UPDATE SET"
                    + " rev = excluded.rev, deleted = excluded.deleted, fields = excluded.fields,"
                    + " updated_at = excluded.updated_at, clocks = excluded.clocks")) {
                ps.setString(1, table);
                ps.setString(2, id.toString());
                ps.setLong(3, rev);
                ps.setInt(4, deleted ? 1 : 0);
                ps.setString(5, fields.toString());
                ps.setLong(6, now);
                ps.setString(7, Clocks.toJson(clocks).toString());
                ps.executeUpdate();
            }
            return new RemoteRecord(table, id, rev, deleted, fields, clocks, Instant.ofEpochMilli(now));
        }

        @Override
        public void markApplied(Mutation m) throws SQLException {
            try (PreparedStatement ps = conn.prepareStatement(
                    "INSERT INTO applied_mutations(mutation_id, tbl, id) VALUES (?, ?, ?)")) {
                ps.setString(1, m.mutationId());
                ps.setString(2, m.table());
                ps.setString(3, m.id().toString());
                ps.executeUpdate();
            }
        }
    };

    /**
     * The cursor is the last revision read, as text: revisions are handed out in commit order
     * (see the class comment), so {@code rev > cursor} never skips a later commit.
     */
    @Override
    public synchronized ChangePage changesSince(String cursor, int limit) throws ProviderException {
        long after = parseCursor(cursor);
        List<RemoteRecord> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT " + COLUMNS
                + " FROM records WHERE rev > ? ORDER BY rev LIMIT ?")) {
            ps.setLong(1, after);
            ps.setInt(2, limit + 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs));
                }
            }
        } catch (SQLException e) {
            throw new ProviderException("Pulling from " + describe() + " failed: " + e.getMessage(), true, e);
        }
        boolean more = out.size() > limit;
        if (more) {
            out.remove(out.size() - 1);
        }
        long next = out.isEmpty() ? after : out.get(out.size() - 1).rev();
        return new ChangePage(out, Long.toString(next), more);
    }

    private long parseCursor(String cursor) throws ProviderException {
        if (cursor == null || cursor.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(cursor);
        } catch (NumberFormatException e) {
            throw new ProviderException("The sync position '" + cursor + "' was not written by " + describe()
                    + "; the local cache belongs to another data provider.", false, e);
        }
    }

    private static RemoteRecord row(ResultSet rs) throws SQLException {
        ObjectNode fields;
        Map<String, Hlc> clocks;
        try {
            fields = (ObjectNode) JSON.readTree(rs.getString(5));
            clocks = Clocks.fromJson(JSON.readTree(rs.getString(7)));
        } catch (JsonProcessingException | ClassCastException | IllegalArgumentException e) {
            throw new SQLException("record " + rs.getString(2) + " holds unreadable fields or clocks", e);
        }
        return new RemoteRecord(rs.getString(1), UUID.fromString(rs.getString(2)), rs.getLong(3),
                rs.getInt(4) != 0, fields, clocks, Instant.ofEpochMilli(rs.getLong(6)));
    }

    @Override
    public String describe() {
        return "sqlite hub " + hub;
    }

    @Override
    public synchronized void close() {
        try {
            conn.close();
        } catch (SQLException ignored) {
            // Closing a SQLite connection only fails when it is already unusable.
        }
    }
}

package dev.blobsync.engine.store;

import dev.blobsync.engine.QuotaExceededException;
import dev.blobsync.engine.StorageException;
import dev.blobsync.engine.internal.DiskFull;
import dev.blobsync.engine.internal.FileModes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.sqlite.SQLiteConfig;

/**
 * The local SQLite database of one engine: records pulled from the provider (the base), local
 * changes not yet acknowledged (the outbox), the blob cache index, upload sessions and sync
 * cursors. Internal to the engine.
 *
 * <p>Durability: WAL with {@code synchronous=FULL}, so a committed transaction is on disk
 * before the commit returns. The filesystem acknowledges a {@code close()} only after the
 * transaction that records the file's blob and the record change has committed, which is
 * what makes "a close() that returned 0 survives kill -9 and power loss" true. NORMAL would
 * survive a killed process but could lose the last commits on power loss.
 *
 * <p>One connection, guarded by {@code this}: every unit of work runs inside
 * {@link #write} or {@link #read}. Writers use {@code BEGIN IMMEDIATE} with autocommit left on
 * (sqlite-jdbc's IMMEDIATE mode with autocommit off would hold the write lock while idle).
 */
public final class LocalStore implements AutoCloseable {

    /** A unit of work against the store's connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Versioned migrations; index {@code i} moves the schema from version i to i + 1. */
    private static final List<String[]> MIGRATIONS = List.<String[]>of(new String[] {
        "CREATE TABLE base(tbl TEXT NOT NULL, id TEXT NOT NULL, rev INTEGER NOT NULL,"
                + " deleted INTEGER NOT NULL, fields TEXT NOT NULL, updated_at INTEGER NOT NULL,"
                + " PRIMARY KEY(tbl, id))",
        "CREATE TABLE pending(tbl TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL,"
                + " mutation_id TEXT NOT NULL, fields TEXT NOT NULL, changed TEXT NOT NULL,"
                + " deleted INTEGER NOT NULL, base_rev INTEGER NOT NULL, draft INTEGER NOT NULL,"
                + " attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, updated_at INTEGER NOT NULL,"
                + " PRIMARY KEY(tbl, id))",
        "CREATE INDEX pending_by_seq ON pending(seq)",
        "CREATE TABLE blobs(sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, type TEXT NOT NULL,"
                + " dirty INTEGER NOT NULL, priority TEXT NOT NULL DEFAULT 'normal',"
                + " last_access INTEGER NOT NULL, created_at INTEGER NOT NULL)",
        "CREATE TABLE uploads(sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, token TEXT,"
                + " attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
                + " next_attempt_at INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL)",
        "CREATE TABLE conflicts(seq INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL,"
                + " id TEXT NOT NULL, remote_rev INTEGER NOT NULL, remote_fields TEXT NOT NULL,"
                + " local_fields TEXT NOT NULL, resolution TEXT NOT NULL, at INTEGER NOT NULL)",
        "CREATE TABLE kv(k TEXT PRIMARY KEY, v TEXT NOT NULL)",
    }, new String[] {
        // Partial blobs: a sparse file with a bitmap of the verified chunks it holds.
        "ALTER TABLE blobs ADD COLUMN complete INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE blobs ADD COLUMN present BLOB",
        "ALTER TABLE blobs ADD COLUMN chunks TEXT",
        "CREATE INDEX blobs_by_access ON blobs(last_access)",
        // Priorities set on a table, a record or a blob; blobs.priority holds the effective one.
        "CREATE TABLE priorities(scope TEXT PRIMARY KEY, priority TEXT NOT NULL)",
    }, new String[] {
        // 0 while no record change has referred to a blob written here: a write that failed, or
        // one cut off by a crash, leaves such a blob, and the next start removes it.
        "ALTER TABLE blobs ADD COLUMN referenced INTEGER NOT NULL DEFAULT 1",
    }, new String[] {
        // Hybrid logical clocks per field: the provider's (base), this device's writes and what
        // they were based on (pending); records from before carry none (clock zero).
        "ALTER TABLE base ADD COLUMN clocks TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE pending ADD COLUMN clocks TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE pending ADD COLUMN seen TEXT NOT NULL DEFAULT '{}'",
        // Manual conflicts: the outbox entry is held until the user chooses.
        "ALTER TABLE pending ADD COLUMN held INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE conflicts ADD COLUMN fields TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE conflicts ADD COLUMN is_open INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE conflicts ADD COLUMN remote_device TEXT",
        "ALTER TABLE conflicts ADD COLUMN remote_deleted INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE conflicts ADD COLUMN local_deleted INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE conflicts ADD COLUMN winner TEXT",
        "CREATE INDEX conflicts_open ON conflicts(tbl, id) WHERE is_open = 1",
    });

    private final Path file;
    private final Connection conn;

    private LocalStore(Path file, Connection conn) {
        this.file = file;
        this.conn = conn;
    }

    /**
     * Opens the store at {@code file}, creating it and running migrations as needed. The file and
     * its {@code -wal}/{@code -shm} are readable by this user only (0600).
     */
    public static LocalStore open(Path file) {
        try {
            FileModes.PRIVATE.createDirectories(file.getParent());
            FileModes.PRIVATE.database(file);
        } catch (IOException e) {
            throw new StorageException("Cannot create the folder for the local store " + file + ": "
                    + e.getMessage(), e);
        }
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
        cfg.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        cfg.setBusyTimeout(15_000);
        cfg.enforceForeignKeys(true);
        try {
            LocalStore store = new LocalStore(file, cfg.createConnection("jdbc:sqlite:" + file));
            store.migrate();
            return store;
        } catch (SQLException e) {
            throw new StorageException("Cannot open the local store " + file + ": " + e.getMessage()
                    + ". If another blobsync process uses the same cache folder, stop it first.", e);
        }
    }

    private void migrate() throws SQLException {
        write(c -> {
            int version;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA user_version")) {
                version = rs.getInt(1);
            }
            if (version > MIGRATIONS.size()) {
                throw new SQLException("the local store was written by a newer blobsync (schema version "
                        + version + ", this one knows " + MIGRATIONS.size() + ")");
            }
            for (int v = version; v < MIGRATIONS.size(); v++) {
                try (Statement st = c.createStatement()) {
                    for (String sql : MIGRATIONS.get(v)) {
                        st.execute(sql);
                    }
                    st.execute("PRAGMA user_version = " + (v + 1));
                }
            }
            return null;
        });
    }

    /**
     * Runs {@code work} in one write transaction: all of it is stored, or none of it. Whatever
     * fails, the connection is left outside any transaction, so the next unit of work starts
     * clean. A full disk is a {@link QuotaExceededException} saying so.
     */
    public synchronized <T> T write(Work<T> work) {
        try (Statement st = conn.createStatement()) {
            begin(st);
            try {
                T result = work.run(conn);
                st.execute("COMMIT");
                return result;
            } catch (SQLException | RuntimeException e) {
                rollback(st, e);
                throw e;
            }
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    private static void begin(Statement st) throws SQLException {
        try {
            st.execute("BEGIN IMMEDIATE");
        } catch (SQLException e) {
            if (!String.valueOf(e.getMessage()).contains("within a transaction")) {
                throw e;
            }
            // A rollback that failed earlier left one open: end it, then start ours.
            st.execute("ROLLBACK");
            st.execute("BEGIN IMMEDIATE");
        }
    }

    /**
     * Ends the failed transaction. SQLite has already rolled it back itself after some errors
     * (a full disk, an I/O error); its "no transaction is active" then means the same, and the
     * caller reports the first failure, never this one.
     */
    private static void rollback(Statement st, Exception cause) {
        try {
            st.execute("ROLLBACK");
        } catch (SQLException e) {
            if (!String.valueOf(e.getMessage()).contains("no transaction is active")) {
                cause.addSuppressed(e);
            }
        }
    }

    private RuntimeException failed(SQLException e) {
        if (DiskFull.is(e)) {
            return new QuotaExceededException("The disk holding " + file + " is full, so the change could not be"
                    + " saved. Free space on that disk and try again.", e);
        }
        return new StorageException("The local store " + file + " failed: " + e.getMessage(), e);
    }

    /** Runs {@code work} against a consistent snapshot. */
    public synchronized <T> T read(Work<T> work) {
        try {
            return work.run(conn);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** Reads a value of the key/value table, or {@code null}. */
    public String kv(String key) {
        return read(c -> kvLocked(c, key));
    }

    /** Reads a value of the key/value table inside the caller's transaction, or {@code null}. */
    public static String kvValue(Connection c, String key) throws SQLException {
        return kvLocked(c, key);
    }

    static String kvLocked(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT v FROM kv WHERE k = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Sets a value of the key/value table inside the caller's transaction. */
    public static void putKv(Connection c, String key, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO kv(k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v")) {
            ps.setString(1, key);
            ps.setString(2, value);
            ps.executeUpdate();
        }
    }

    /** Returns the next value of the counter {@code key} inside the caller's transaction. */
    public static long nextCounter(Connection c, String key) throws SQLException {
        String v = kvLocked(c, key);
        long next = v == null ? 1 : Long.parseLong(v) + 1;
        putKv(c, key, Long.toString(next));
        return next;
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized void close() {
        try {
            conn.close();
        } catch (SQLException ignored) {
            // Closing only fails for an already broken connection.
        }
    }
}

package dev.blobsync.engine.provider.postgres;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.blobsync.engine.provider.RecordMerge;
import dev.blobsync.engine.schema.Schema;
import dev.blobsync.engine.schema.TableSchema;
import dev.blobsync.engine.spi.ChangePage;
import dev.blobsync.engine.spi.DataProvider;
import dev.blobsync.engine.spi.Hlc;
import dev.blobsync.engine.spi.Mutation;
import dev.blobsync.engine.spi.ProviderException;
import dev.blobsync.engine.spi.PushResult;
import dev.blobsync.engine.spi.RemoteRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records in a PostgreSQL database that every device connects to directly (its own server, a
 * managed one such as Supabase, or a PG-compatible service): no blobsync server in between.
 *
 * <p>Tables and the feed: see {@link PgLayout} (one typed table per schema table, row-level
 * security per scope) and {@link PgFeed} (transaction-id snapshot boundaries). Pushes run in one
 * transaction per batch; each mutation locks its row ({@code SELECT … FOR UPDATE}) and is applied
 * by {@link RecordMerge}, the rule every provider shares. A push is acknowledged only after
 * COMMIT returned, with the server's {@code synchronous_commit} (on by default: the commit is
 * durable when acknowledged).
 *
 * <p>Connections: a HikariCP pool of {@code poolSize} for pushes and pulls, created without
 * connecting, so the engine starts (and works offline) while the database is unreachable; the
 * layout is checked on the first call that reaches it. One more connection LISTENs
 * ({@link NotifyWatcher}). The password is handed to the driver only, never logged.
 *
 * <p>Thread-safe: the pool hands each call its own connection.
 */
public final class PostgresDataProvider implements DataProvider {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresDataProvider.class);

    private final PostgresSettings settings;
    private final Schema schema;
    private final HikariDataSource pool;
    private final PgLayout layout;
    private final PgRows rows;
    private final PgFeed feed;
    private final Map<String, String> upserts = new java.util.concurrent.ConcurrentHashMap<>();
    private final Object readyLock = new Object();
    private volatile boolean ready; // set once under readyLock

    private PostgresDataProvider(PostgresSettings settings, Schema schema, HikariDataSource pool) {
        this.settings = settings;
        this.schema = schema;
        this.pool = pool;
        this.layout = new PgLayout(settings, schema);
        this.rows = new PgRows(layout);
        this.feed = new PgFeed(layout, rows, schema);
    }

    /** Opens the provider; connects lazily, so an unreachable database does not stop the engine. */
    public static PostgresDataProvider open(PostgresSettings settings, Schema schema) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("blobsync-pg");
        hc.setJdbcUrl(settings.jdbcUrl());
        settings.driverProperties().forEach(hc::addDataSourceProperty);
        hc.setMaximumPoolSize(settings.poolSize());
        hc.setMinimumIdle(0);
        hc.setConnectionTimeout(Math.max(250, settings.connectTimeout().toMillis()));
        hc.setValidationTimeout(Math.max(250, Math.min(5_000, settings.connectTimeout().toMillis())));
        hc.setInitializationFailTimeout(-1);
        hc.setAutoCommit(true);
        return new PostgresDataProvider(settings, schema, new HikariDataSource(hc));
    }

    private Connection connection() throws SQLException {
        Connection c = pool.getConnection();
        if (!ready) {
            try {
                synchronized (readyLock) {
                    if (!ready) {
                        layout.ensure(c);
                        ready = true;
                    }
                }
            } catch (SQLException | RuntimeException e) {
                c.close();
                throw e;
            }
        }
        return c;
    }

    @Override
    public List<PushResult> push(List<Mutation> mutations) throws ProviderException {
        for (Mutation m : mutations) {
            if (schema.find(m.table()).isEmpty()) {
                throw new ProviderException("Table '" + m.table() + "' is not in the schema " + describe()
                        + " was opened with.", false);
            }
        }
        List<PushResult> results = new ArrayList<>(mutations.size());
        try (Connection c = connection()) {
            c.setAutoCommit(false);
            try {
                Target target = new Target(c);
                for (Mutation m : mutations) {
                    results.add(RecordMerge.push(m, target));
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw PgErrors.of("Pushing to", describe(), e);
        }
        return results;
    }

    /** The storage steps of {@link RecordMerge} on one connection inside its transaction. */
    private final class Target implements RecordMerge.Target {
        private final Connection c;

        Target(Connection c) {
            this.c = c;
        }

        @Override
        public RemoteRecord lockAndGet(String table, UUID id) throws SQLException {
            TableSchema ts = schema.table(table);
            try (PreparedStatement ps = c.prepareStatement(rows.selectRow(ts) + " WHERE id = ? FOR UPDATE")) {
                ps.setObject(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rows.record(ts, rs.getString(1)) : null;
                }
            }
        }

        @Override
        public boolean applied(String mutationId) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + layout.schemaName()
                    + "._applied WHERE mutation_id = ?")) {
                ps.setString(1, mutationId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        }

        @Override
        public RemoteRecord write(String table, UUID id, boolean deleted, ObjectNode fields, Map<String, Hlc> clocks,
                                  RemoteRecord previous) throws SQLException {
            TableSchema ts = schema.table(table);
            String sql = upserts.computeIfAbsent(table, t -> rows.upsert(ts));
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                rows.bindUpsert(ps, ts, id, deleted, fields, clocks);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new RemoteRecord(table, id, rs.getLong(1), deleted, fields, clocks,
                            rs.getObject(2, OffsetDateTime.class).toInstant());
                }
            }
        }

        @Override
        public void markApplied(Mutation m) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + layout.schemaName()
                    + "._applied(mutation_id, tbl, id) VALUES (?, ?, ?)")) {
                ps.setString(1, m.mutationId());
                ps.setString(2, m.table());
                ps.setObject(3, m.id());
                ps.executeUpdate();
            }
        }
    }

    @Override
    public ChangePage changesSince(String cursor, int limit) throws ProviderException {
        try (Connection c = connection()) {
            return feed.page(c, cursor, limit);
        } catch (SQLException e) {
            throw PgErrors.of("Pulling from", describe(), e);
        }
    }

    @Override
    public AutoCloseable watch(Runnable onChange) {
        if (!settings.listen()) {
            return () -> { };
        }
        Properties props = new Properties();
        props.putAll(settings.driverProperties());
        NotifyWatcher w = new NotifyWatcher(settings.jdbcUrl(), props, layout.channel(), describe(), onChange);
        w.start();
        return w;
    }

    /** The layout of this provider, for tools that set up roles (add-member). */
    PgLayout layout() {
        return layout;
    }

    /** A connection with the layout in place, for tools of this package. */
    Connection adminConnection() throws SQLException {
        return connection();
    }

    @Override
    public String describe() {
        return settings.describe();
    }

    @Override
    public void close() {
        pool.close();
        LOG.debug("Closed {}", describe());
    }
}

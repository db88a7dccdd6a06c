package dev.blobsync.engine.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real PostgreSQL 17 for tests, on 127.0.0.1 and a free port (zonky's embedded binaries; as
 * root they run under {@code unshare -U}). The superuser {@code postgres} connects without a
 * password; every other role needs its password (scram-sha-256), so tests of roles and
 * row-level security run as they would against a real server. {@code synchronous_commit} is on,
 * as on a default server: a commit is durable when acknowledged.
 *
 * <p>{@link #shared()} is one server per test JVM, each test taking a fresh database
 * ({@link #newDatabase()}); {@link #ownServer(Path)} is one a test may stop and start again.
 * Under {@code CI=true} a server that cannot start fails the test; elsewhere the test is
 * skipped with the reason.
 */
public final class PostgresServer implements AutoCloseable {
    private static PostgresServer shared;

    private final Path dataDir;
    private final boolean deleteOnClose;
    private int port;
    private EmbeddedPostgres pg;

    private PostgresServer(Path dataDir, boolean deleteOnClose) {
        this.dataDir = dataDir;
        this.deleteOnClose = deleteOnClose;
    }

    /** The server shared by the tests of this JVM, started on first use. */
    public static synchronized PostgresServer shared() {
        if (shared == null) {
            try {
                PostgresServer s = new PostgresServer(Files.createTempDirectory("blobsync-pg-"), true);
                s.start();
                Runtime.getRuntime().addShutdownHook(new Thread(s::close));
                shared = s;
            } catch (IOException | RuntimeException e) {
                unavailable(e);
            }
        }
        return shared;
    }

    /** A server of the test's own in {@code dir}, which it may {@link #stop()} and {@link #start()}. */
    public static PostgresServer ownServer(Path dir) {
        PostgresServer s = new PostgresServer(dir, false);
        try {
            s.start();
        } catch (IOException | RuntimeException e) {
            unavailable(e);
        }
        return s;
    }

    private static void unavailable(Exception e) {
        String why = "PostgreSQL could not start: " + e;
        if ("true".equals(System.getenv("CI"))) {
            throw new IllegalStateException(why, e);
        }
        Assumptions.abort(why);
    }

    /** Starts the server (again, on the same port and data, after {@link #stop()}). */
    public synchronized void start() throws IOException {
        if (pg != null) {
            return;
        }
        boolean fresh = !Files.exists(dataDir.resolve("PG_VERSION"));
        EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("max_connections", "200")
                .setPGStartupWait(Duration.ofSeconds(60));
        if (port != 0) {
            b.setPort(port);
        }
        if (fresh) {
            b.setDataDirectoryCustomizer(dir -> {
                try {
                    Files.writeString(dir.toPath().resolve("pg_hba.conf"), """
                            local all all trust
                            host all postgres 127.0.0.1/32 trust
                            host all postgres ::1/128 trust
                            host all all 127.0.0.1/32 scram-sha-256
                            host all all ::1/128 scram-sha-256
                            """);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        pg = b.start();
        port = pg.getPort();
    }

    /** Stops the server (fast shutdown); data stays for {@link #start()}. */
    public synchronized void stop() throws IOException {
        if (pg != null) {
            pg.close();
            pg = null;
        }
    }

    public int port() {
        return port;
    }

    /** A new empty database; returns its name. */
    public String newDatabase() {
        String name = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        superuserSql("postgres", "CREATE DATABASE " + name);
        return name;
    }

    /** {@code postgres://user@127.0.0.1:port/db}. */
    public String url(String user, String db) {
        return "postgres://" + user + "@127.0.0.1:" + port + "/" + db;
    }

    public String jdbcUrl(String db) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + db;
    }

    /** A connection as the superuser. */
    public Connection superuser(String db) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(db), "postgres", "");
    }

    /** A connection as {@code role} with its password. */
    public Connection as(String db, String role, String password) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(db), role, password);
    }

    /** Runs statements as the superuser in {@code db}. */
    public void superuserSql(String db, String... sql) {
        try (Connection c = superuser(db); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            stop();
        } catch (IOException e) {
            // The process is gone with the JVM in the worst case.
        }
        if (deleteOnClose) {
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | UncheckedIOException ignored) {
                // A temp folder left behind.
            }
        }
    }
}

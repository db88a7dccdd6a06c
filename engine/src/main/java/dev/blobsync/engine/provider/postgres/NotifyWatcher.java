package dev.blobsync.engine.provider.postgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One dedicated connection that LISTENs on the schema's channel and calls back on every
 * notification, so other devices' commits are pulled at once instead of at the next poll.
 * When the connection breaks it reconnects with growing, jittered delays (1 s up to 30 s); it
 * calls back once each time LISTEN is in place, since notifications sent before are lost.
 *
 * <p>Behind a pooler in transaction mode (Supabase's port 6543, PgBouncer's
 * {@code pool_mode=transaction}) LISTEN is accepted but nothing is ever delivered; the engine's
 * polling then carries the feed alone.
 */
final class NotifyWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NotifyWatcher.class);

    private final String jdbcUrl;
    private final Properties props;
    private final String channel;
    private final String where;
    private final Runnable onChange;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Connection conn;

    NotifyWatcher(String jdbcUrl, Properties props, String channel, String where, Runnable onChange) {
        this.jdbcUrl = jdbcUrl;
        this.props = props;
        this.channel = channel;
        this.where = where;
        this.onChange = onChange;
        this.thread = new Thread(this::run, "blobsync-pg-listen");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void run() {
        long delay = 1000;
        boolean connectedBefore = false;
        while (running) {
            try (Connection c = DriverManager.getConnection(jdbcUrl, props)) {
                conn = c;
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN " + PgLayout.quote(channel));
                }
                if (connectedBefore) {
                    LOG.info("Listening for changes on {} again", where);
                }
                // Whatever committed before LISTEN took effect sent no notification here: pull once.
                onChange.run();
                connectedBefore = true;
                delay = 1000;
                PGConnection pg = c.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] got = pg.getNotifications(10_000);
                    if (got != null && got.length > 0) {
                        onChange.run();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.debug("LISTEN on {} failed ({}); reconnecting in about {} ms", where, e.getMessage(), delay);
            } finally {
                conn = null;
            }
            sleep(ThreadLocalRandom.current().nextLong(delay / 2, delay + 1));
            delay = Math.min(30_000, delay * 2);
        }
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            running = false;
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        Connection c = conn;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // The thread ends either way.
            }
        }
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

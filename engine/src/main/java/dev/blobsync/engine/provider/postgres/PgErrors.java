package dev.blobsync.engine.provider.postgres;

import dev.blobsync.engine.spi.ProviderException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/**
 * SQL errors as the engine needs them: whether trying again later can help (the server is down
 * or restarting, the network is gone, a deadlock), and a message for the user.
 */
final class PgErrors {
    private PgErrors() {
    }

    static ProviderException of(String doing, String where, SQLException e) {
        if (e instanceof PgLayout.LayoutException) {
            return new ProviderException(e.getMessage(), false, e);
        }
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (e instanceof SQLTransientConnectionException || state.startsWith("08") || state.startsWith("57P")
                || state.startsWith("53") || state.equals("40001") || state.equals("40P01") || state.isEmpty()) {
            return new ProviderException(doing + " " + where + " failed: " + firstLine(e), true, e);
        }
        if (state.equals("42501")) {
            return new ProviderException(doing + " " + where + " was refused: " + firstLine(e) + ". The role may only"
                    + " read and write records of the scopes it is a member of (blobsync postgres add-member).", false, e);
        }
        return new ProviderException(doing + " " + where + " failed: " + firstLine(e), false, e);
    }

    private static String firstLine(SQLException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl >= 0 ? m.substring(0, nl) : m;
    }
}

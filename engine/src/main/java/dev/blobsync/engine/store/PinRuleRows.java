package dev.blobsync.engine.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Pin rules in the local store, as rows {@code pin-rule:<id>} of the key/value table holding the
 * rule as JSON. Kept in {@code kv} so the rules need no schema migration of their own.
 */
public final class PinRuleRows {
    private static final String PREFIX = "pin-rule:";
    private static final String LAST_ID = "pin-rule.last-id";

    private PinRuleRows() {
    }

    /** Stores a new rule and returns its id, inside the caller's transaction. */
    public static long insert(Connection c, java.util.function.LongFunction<String> json) throws SQLException {
        long id = LocalStore.nextCounter(c, LAST_ID);
        LocalStore.putKv(c, PREFIX + id, json.apply(id));
        return id;
    }

    /** Deletes rule {@code id}; false when there was none. */
    public static boolean delete(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM kv WHERE k = ?")) {
            ps.setString(1, PREFIX + id);
            return ps.executeUpdate() > 0;
        }
    }

    /** Every stored rule as JSON by id, in id order. */
    public static Map<Long, String> all(Connection c) throws SQLException {
        Map<Long, String> out = new java.util.TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT k, v FROM kv WHERE k LIKE 'pin-rule:%'");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(Long.parseLong(rs.getString(1).substring(PREFIX.length())), rs.getString(2));
            }
        }
        return new LinkedHashMap<>(out);
    }
}

package dev.blobsync.engine.provider.postgres;

import dev.blobsync.engine.schema.Schema;
import dev.blobsync.engine.schema.TableSchema;
import dev.blobsync.engine.spi.ChangePage;
import dev.blobsync.engine.spi.RemoteRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The change feed over every table of the schema, in the order of the transactions that wrote
 * the rows, without a gap when writers commit out of order.
 *
 * <p><b>Technique: transaction-id snapshot boundaries.</b> The {@code _touch} trigger stamps
 * every row with the id of the transaction that wrote it ({@code _xid}, an {@code xid8}, which
 * never wraps around). A sequence number would not do: a writer that took number 5 may commit
 * after one that took 6, and a reader that saw 6 would skip 5 for good. Instead each read
 * returns only rows whose {@code _xid} is below {@code pg_snapshot_xmin(pg_current_snapshot())},
 * the oldest transaction still running when the read's snapshot was taken: every transaction
 * with a smaller id has ended, so no row can still appear below that bound, and the rows below it
 * are read in {@code (_xid, table, id)} order. The cursor is the last key read. A row written
 * again gets a newer {@code _xid} and so shows again later, as a new change; a long-running
 * transaction anywhere on the server holds the bound back (changes wait, none is lost). The
 * bound and the rows come from one statement, so from one snapshot: {@code pg_current_snapshot()}
 * is the snapshot the statement runs with.
 *
 * <p>Cursor text: {@code <xid>/<table>/<id>}, or null for the start.
 */
final class PgFeed {
    private final PgLayout layout;
    private final PgRows rows;
    private final Schema schema;
    private final List<TableSchema> tables;

    PgFeed(PgLayout layout, PgRows rows, Schema schema) {
        this.layout = layout;
        this.rows = rows;
        this.schema = schema;
        this.tables = new ArrayList<>(schema.tables().values());
        this.tables.sort((a, b) -> a.name().compareTo(b.name()));
    }

    private record Cursor(String xid, String table, UUID id) {
        static Cursor parse(String text) {
            if (text == null || text.isEmpty()) {
                return null;
            }
            String[] p = text.split("/", 3);
            if (p.length != 3 || !p[0].matches("[0-9]+")) {
                throw new IllegalArgumentException("not a postgres feed cursor: " + text);
            }
            return new Cursor(p[0], p[1], UUID.fromString(p[2]));
        }

        String text() {
            return xid + "/" + table + "/" + id;
        }
    }

    /** Reads one page on {@code c}, in autocommit mode: one statement. */
    ChangePage page(Connection c, String cursorText, int limit) throws SQLException {
        Cursor cursor;
        try {
            cursor = Cursor.parse(cursorText);
        } catch (IllegalArgumentException e) {
            throw new PgLayout.LayoutException("The sync position '" + cursorText + "' was not written by this"
                    + " PostgreSQL provider; the local cache belongs to another data provider.", e);
        }
        StringBuilder sql = new StringBuilder("WITH b AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot())"
                + " AS hi) SELECT tbl, xid, rowjson FROM (");
        List<Object[]> params = new ArrayList<>();
        boolean first = true;
        for (TableSchema ts : tables) {
            if (!first) {
                sql.append(" UNION ALL ");
            }
            first = false;
            sql.append("(SELECT ").append(PgLayout.literal(ts.name())).append("::text AS tbl, _xid, id, _xid::text AS xid,"
                    + " (to_jsonb(t) - '_xid')::text AS rowjson FROM ").append(layout.table(ts.name()))
                    .append(" t WHERE _xid < (SELECT hi FROM b)");
            if (cursor != null) {
                int cmp = ts.name().compareTo(cursor.table());
                if (cmp > 0) {
                    sql.append(" AND _xid >= CAST(? AS xid8)");
                    params.add(new Object[] {cursor.xid()});
                } else if (cmp == 0) {
                    sql.append(" AND (_xid, id) > (CAST(? AS xid8), CAST(? AS uuid))");
                    params.add(new Object[] {cursor.xid(), cursor.id().toString()});
                } else {
                    sql.append(" AND _xid > CAST(? AS xid8)");
                    params.add(new Object[] {cursor.xid()});
                }
            }
            sql.append(" ORDER BY _xid, id LIMIT ").append(limit + 1).append(')');
        }
        sql.append(") u ORDER BY _xid, tbl COLLATE \"C\", id LIMIT ").append(limit + 1);

        List<RemoteRecord> out = new ArrayList<>();
        String last = cursorText;
        boolean more = false;
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int i = 1;
            for (Object[] p : params) {
                for (Object v : p) {
                    ps.setString(i++, (String) v);
                }
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (out.size() == limit) {
                        more = true;
                        break;
                    }
                    TableSchema ts = schema.table(rs.getString(1));
                    RemoteRecord r = rows.record(ts, rs.getString(3));
                    out.add(r);
                    last = new Cursor(rs.getString(2), ts.name(), r.id()).text();
                }
            }
        }
        return new ChangePage(out, last, more);
    }
}

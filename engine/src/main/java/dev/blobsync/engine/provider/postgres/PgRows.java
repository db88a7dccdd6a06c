package dev.blobsync.engine.provider.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.schema.FieldSchema;
import dev.blobsync.engine.schema.FieldType;
import dev.blobsync.engine.schema.TableSchema;
import dev.blobsync.engine.spi.Clocks;
import dev.blobsync.engine.spi.Hlc;
import dev.blobsync.engine.spi.RemoteRecord;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Rows of a typed table ↔ records in the engine's JSON form. Rows are read as
 * {@code to_jsonb(row)}, one text column whatever the table, so the feed can read every table
 * in one UNION; values are written as text with a cast to the column's type.
 */
final class PgRows {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final PgLayout layout;

    PgRows(PgLayout layout) {
        this.layout = layout;
    }

    /** SQL reading a row as {@code (to_jsonb text)}; the caller appends WHERE. */
    String selectRow(TableSchema ts) {
        return "SELECT (to_jsonb(t) - '_xid')::text FROM " + layout.table(ts.name()) + " t";
    }

    /**
     * The upsert of a whole record (every field of this client's schema; columns it does not know
     * keep their value), returning the revision and time the trigger stamped.
     */
    String upsert(TableSchema ts) {
        StringBuilder cols = new StringBuilder("id, _deleted, _clocks");
        StringBuilder vals = new StringBuilder("CAST(? AS uuid), ?, CAST(? AS jsonb)");
        StringBuilder set = new StringBuilder("_deleted = EXCLUDED._deleted, _clocks = EXCLUDED._clocks");
        for (FieldSchema f : ts.fields()) {
            String c = PgLayout.quote(f.name());
            cols.append(", ").append(c);
            vals.append(", CAST(? AS ").append(PgLayout.sqlType(f.type())).append(')');
            set.append(", ").append(c).append(" = EXCLUDED.").append(c);
        }
        return "INSERT INTO " + layout.table(ts.name()) + " (" + cols + ") VALUES (" + vals + ") ON CONFLICT (id)"
                + " DO UPDATE SET " + set + " RETURNING _rev, _updated_at";
    }

    void bindUpsert(PreparedStatement ps, TableSchema ts, UUID id, boolean deleted, ObjectNode fields,
                    Map<String, Hlc> clocks) throws SQLException {
        int i = 1;
        ps.setString(i++, id.toString());
        ps.setBoolean(i++, deleted);
        ps.setString(i++, Clocks.toJson(clocks).toString());
        for (FieldSchema f : ts.fields()) {
            JsonNode v = fields.get(f.name());
            if (v == null || v.isNull()) {
                ps.setNull(i++, Types.VARCHAR);
            } else {
                ps.setString(i++, text(f.type(), v));
            }
        }
    }

    private static String text(FieldType type, JsonNode v) {
        return switch (type) {
            case JSON, BLOB -> v.toString();
            default -> v.isTextual() ? v.textValue() : v.asText();
        };
    }

    /** A record from its {@code to_jsonb} text. */
    RemoteRecord record(TableSchema ts, String rowJson) throws SQLException {
        JsonNode row;
        try {
            row = JSON.readTree(rowJson);
        } catch (IOException e) {
            throw new SQLException("unreadable row of " + ts.name() + ": " + e.getMessage(), e);
        }
        ObjectNode fields = NODES.objectNode();
        List<String> names = new ArrayList<>();
        row.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            if (name.equals("id") || name.startsWith("_")) {
                continue;
            }
            JsonNode v = row.get(name);
            if (v == null || v.isNull()) {
                continue;
            }
            FieldSchema f = ts.field(name).orElse(null);
            fields.set(name, f == null ? v : normalize(ts, f, v));
        }
        Map<String, Hlc> clocks;
        try {
            clocks = Clocks.fromJson(row.get("_clocks"));
        } catch (IllegalArgumentException e) {
            throw new SQLException("record " + row.path("id").asText() + " of " + ts.name() + " holds unreadable"
                    + " clocks in _clocks: " + e.getMessage(), e);
        }
        return new RemoteRecord(ts.name(), UUID.fromString(row.path("id").asText()), row.path("_rev").asLong(),
                row.path("_deleted").asBoolean(), fields, clocks, instant(row.path("_updated_at").asText()));
    }

    /** The engine's JSON form of a column value as {@code to_jsonb} wrote it. */
    private static JsonNode normalize(TableSchema ts, FieldSchema f, JsonNode v) throws SQLException {
        return switch (f.type()) {
            case DATETIME -> NODES.textNode(instant(v.asText()).toString());
            case INT -> NODES.numberNode(v.longValue());
            case FLOAT -> NODES.numberNode(v.doubleValue());
            default -> v;
        };
    }

    private static Instant instant(String text) throws SQLException {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw new SQLException("unreadable time " + text, e);
        }
    }
}

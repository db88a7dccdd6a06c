package dev.blobsync.engine.provider.postgres;

import dev.blobsync.engine.schema.FieldSchema;
import dev.blobsync.engine.schema.FieldType;
import dev.blobsync.engine.schema.Schema;
import dev.blobsync.engine.schema.TableSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tables blobsync keeps in its PostgreSQL schema, and their migrations.
 *
 * <p><b>Layout: one table per schema table, one typed column per field.</b> {@code photos}
 * becomes {@code blobsync.photos(id uuid, "title" text, "takenAt" timestamptz, "familyId" uuid,
 * "image" jsonb, …)} plus system columns that start with {@code _}: {@code _rev} (the record's
 * revision), {@code _deleted} (tombstone), {@code _clocks} (jsonb: field → hybrid logical clock),
 * {@code _xid} (the writing transaction, for the change feed) and {@code _updated_at}. Chosen over
 * one JSONB table because apps, Electric and PowerSync read these records with plain SQL:
 * typed columns give them real types, indexes and foreign keys on fields, and row-level security
 * policies on the scope column, where a JSONB document would need casts in every query. The
 * cost is DDL when the schema grows: columns are added here on open (never dropped or retyped; a
 * field whose type changed is refused with the column named). Field names are kept as they are
 * (quoted), so a field has one name in the config, in {@code meta.json} and in SQL.
 *
 * <p>Triggers on every table stamp {@code _rev} from one sequence, {@code _xid} and
 * {@code _updated_at} on each insert and update, whoever writes (blobsync or an app's SQL), and
 * send a NOTIFY on the schema's channel after each statement.
 *
 * <p><b>Scopes.</b> A table with {@code $scope: familyId} gets row-level security, forced also
 * on the owner: a role reads and writes only rows whose scope value is one of its rows in
 * {@code _scope_members}; the role that set the schema up (the owner) keeps a policy of its own
 * that sees everything. Device roles are members of the group role {@code <schema>_member},
 * which holds the grants.
 *
 * <p>Versioned migrations ({@code _migrations}) create the system objects; table and column
 * DDL follows the config's schema and runs only when something is missing, under an advisory
 * lock, so several devices opening at once do not race.
 */
final class PgLayout {
    /** Index i moves the schema from version i to i + 1. {s} is the quoted schema, {m} the member role. */
    private static final List<List<String>> MIGRATIONS = List.of(List.of(
            "CREATE TABLE {s}._migrations(version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
            "CREATE SEQUENCE {s}._rev",
            "CREATE TABLE {s}._applied(mutation_id text PRIMARY KEY, tbl text NOT NULL, id uuid NOT NULL,"
                    + " member name NOT NULL DEFAULT current_user, at timestamptz NOT NULL DEFAULT now())",
            "CREATE TABLE {s}._scope_members(member name NOT NULL, scope text NOT NULL, PRIMARY KEY(member, scope))",
            "CREATE FUNCTION {s}._touch() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN"
                    + " NEW._rev := nextval('{s}._rev'); NEW._xid := pg_current_xact_id();"
                    + " NEW._updated_at := now(); RETURN NEW; END $f$",
            "CREATE FUNCTION {s}._notify() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN"
                    + " PERFORM pg_notify('{channel}', ''); RETURN NULL; END $f$",
            "DO $d$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{mraw}') THEN"
                    + " CREATE ROLE {m} NOLOGIN; END IF; END $d$",
            "GRANT USAGE ON SCHEMA {s} TO {m}",
            "GRANT SELECT ON {s}._migrations TO {m}",
            "GRANT USAGE ON SEQUENCE {s}._rev TO {m}",
            "GRANT SELECT, INSERT ON {s}._applied TO {m}",
            "GRANT SELECT ON {s}._scope_members TO {m}",
            "ALTER TABLE {s}._applied ENABLE ROW LEVEL SECURITY",
            "ALTER TABLE {s}._applied FORCE ROW LEVEL SECURITY",
            "CREATE POLICY _own ON {s}._applied USING (member = current_user) WITH CHECK (member = current_user)",
            "CREATE POLICY _owner ON {s}._applied TO CURRENT_USER USING (true) WITH CHECK (true)",
            "ALTER TABLE {s}._scope_members ENABLE ROW LEVEL SECURITY",
            "ALTER TABLE {s}._scope_members FORCE ROW LEVEL SECURITY",
            "CREATE POLICY _own ON {s}._scope_members USING (member = current_user)",
            "CREATE POLICY _owner ON {s}._scope_members TO CURRENT_USER USING (true) WITH CHECK (true)"));

    private final PostgresSettings settings;
    private final Schema schema;

    PgLayout(PostgresSettings settings, Schema schema) {
        this.settings = settings;
        this.schema = schema;
    }

    String schemaName() {
        return quote(settings.schema());
    }

    /** The group role device roles join. */
    String memberRole() {
        return settings.schema() + "_member";
    }

    /** The NOTIFY channel of this schema. */
    String channel() {
        return "blobsync_" + settings.schema();
    }

    /** {@code "schema"."table"}. */
    String table(String name) {
        return schemaName() + "." + quote(name);
    }

    static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    /** The column type of a field type. */
    static String sqlType(FieldType t) {
        return switch (t) {
            case UUID -> "uuid";
            case STRING -> "text";
            case INT -> "bigint";
            case FLOAT -> "double precision";
            case BOOL -> "boolean";
            case DATETIME -> "timestamptz";
            case JSON, BLOB -> "jsonb";
        };
    }

    private static String udtName(FieldType t) {
        return switch (t) {
            case UUID -> "uuid";
            case STRING -> "text";
            case INT -> "int8";
            case FLOAT -> "float8";
            case BOOL -> "bool";
            case DATETIME -> "timestamptz";
            case JSON, BLOB -> "jsonb";
        };
    }

    /**
     * Brings the database up to this client's layout; a no-op when it is there. Runs in its own
     * transaction on {@code c}.
     *
     * @throws LayoutException when the role may not make a needed change, or a column has another type
     */
    void ensure(Connection c) throws SQLException {
        List<String> missing = missing(c);
        if (missing.isEmpty()) {
            return;
        }
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_xact_lock(hashtext('blobsync layout ' || " + literal(settings.schema()) + "))");
            st.execute("CREATE SCHEMA IF NOT EXISTS " + schemaName());
            int version = version(c);
            for (int v = version; v < MIGRATIONS.size(); v++) {
                for (String sql : MIGRATIONS.get(v)) {
                    st.execute(fill(sql));
                }
                st.execute("INSERT INTO " + schemaName() + "._migrations(version) VALUES (" + (v + 1) + ")");
            }
            for (TableSchema ts : schema.tables().values()) {
                for (String sql : tableDdl(ts)) {
                    st.execute(sql);
                }
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            if ("42501".equals(e.getSQLState())) {
                throw new LayoutException("Role " + settings.user() + " may not set up " + String.join("; ", missing)
                        + " in schema " + settings.schema() + ". Open blobsync once with the role that owns the schema"
                        + " (the one `blobsync init` was run with) and this schema; then this device can connect.", e);
            }
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
        List<String> still = missing(c);
        if (!still.isEmpty()) {
            throw new LayoutException("Schema " + settings.schema() + " still lacks " + String.join("; ", still), null);
        }
    }

    /** What is missing for this client, in words; empty when the layout is complete. */
    private List<String> missing(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        int version = version(c);
        if (version < MIGRATIONS.size()) {
            out.add(version == 0 ? "blobsync's tables" : "migration " + MIGRATIONS.size());
            return out;
        }
        if (version > MIGRATIONS.size()) {
            throw new LayoutException("Schema " + settings.schema() + " was set up by a newer blobsync (layout version "
                    + version + ", this one knows " + MIGRATIONS.size() + "). Update blobsync on this device.", null);
        }
        Map<String, Map<String, String>> columns = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT table_name, column_name, udt_name"
                + " FROM information_schema.columns WHERE table_schema = ?")) {
            ps.setString(1, settings.schema());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.computeIfAbsent(rs.getString(1), k -> new HashMap<>()).put(rs.getString(2), rs.getString(3));
                }
            }
        }
        Set<String> secured = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT tablename FROM pg_policies"
                + " WHERE schemaname = ? AND policyname = '_scope'")) {
            ps.setString(1, settings.schema());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    secured.add(rs.getString(1));
                }
            }
        }
        for (TableSchema ts : schema.tables().values()) {
            Map<String, String> have = columns.get(ts.name());
            if (have == null) {
                out.add("table " + ts.name());
                continue;
            }
            for (FieldSchema f : ts.fields()) {
                String type = have.get(f.name());
                if (type == null) {
                    out.add("column " + ts.name() + "." + f.name());
                } else if (!type.equals(udtName(f.type()))) {
                    throw new LayoutException("Column " + ts.name() + "." + f.name() + " in schema " + settings.schema()
                            + " is of type " + type + ", but the config's schema says " + f.type().name().toLowerCase()
                            + " (" + sqlType(f.type()) + "). blobsync never changes a column's type: rename the field,"
                            + " or change the column yourself.", null);
                }
            }
            if (ts.scopeField().isPresent() && !secured.contains(ts.name())) {
                out.add("row-level security on " + ts.name());
            }
        }
        return out;
    }

    private int version(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, schemaName() + "._migrations");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return 0;
                }
            }
        }
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COALESCE(max(version), 0) FROM " + schemaName() + "._migrations")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private List<String> tableDdl(TableSchema ts) {
        String t = table(ts.name());
        String m = quote(memberRole());
        List<String> sql = new ArrayList<>();
        sql.add("CREATE TABLE IF NOT EXISTS " + t + " (id uuid PRIMARY KEY, _rev bigint NOT NULL,"
                + " _deleted boolean NOT NULL DEFAULT false, _clocks jsonb NOT NULL DEFAULT '{}',"
                + " _xid xid8 NOT NULL, _updated_at timestamptz NOT NULL)");
        for (FieldSchema f : ts.fields()) {
            sql.add("ALTER TABLE " + t + " ADD COLUMN IF NOT EXISTS " + quote(f.name()) + " " + sqlType(f.type()));
        }
        sql.add("CREATE INDEX IF NOT EXISTS " + quote(ts.name() + "_feed") + " ON " + t + " (_xid, id)");
        sql.add("CREATE OR REPLACE TRIGGER _touch BEFORE INSERT OR UPDATE ON " + t
                + " FOR EACH ROW EXECUTE FUNCTION " + schemaName() + "._touch()");
        sql.add("CREATE OR REPLACE TRIGGER _notify AFTER INSERT OR UPDATE ON " + t
                + " FOR EACH STATEMENT EXECUTE FUNCTION " + schemaName() + "._notify()");
        sql.add("GRANT SELECT, INSERT, UPDATE ON " + t + " TO " + m);
        ts.scopeField().ifPresent(scope -> {
            String members = "(" + quote(scope) + ")::text IN (SELECT scope FROM " + schemaName()
                    + "._scope_members WHERE member = current_user)";
            sql.add("ALTER TABLE " + t + " ENABLE ROW LEVEL SECURITY");
            sql.add("ALTER TABLE " + t + " FORCE ROW LEVEL SECURITY");
            sql.add("DROP POLICY IF EXISTS _scope ON " + t);
            sql.add("CREATE POLICY _scope ON " + t + " USING (" + members + ") WITH CHECK (" + members + ")");
            sql.add("DROP POLICY IF EXISTS _owner ON " + t);
            sql.add("CREATE POLICY _owner ON " + t + " TO CURRENT_USER USING (true) WITH CHECK (true)");
        });
        return sql;
    }

    private String fill(String sql) {
        return sql.replace("{s}", schemaName()).replace("{mraw}", memberRole()).replace("{m}", quote(memberRole()))
                .replace("{channel}", channel());
    }

    static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /** The database's layout cannot serve this client; the message says what to do. */
    static final class LayoutException extends SQLException {
        LayoutException(String message, Throwable cause) {
            super(message, "BSL01", cause);
        }
    }
}

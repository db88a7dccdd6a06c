package dev.blobsync.engine.provider.postgres;

import dev.blobsync.engine.schema.Schema;
import dev.blobsync.engine.spi.ProviderException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Roles for devices and family members: {@link #add} creates a login role (or updates one),
 * makes it a member of the schema's group role, and lists the scopes whose rows it may read and
 * write. Run with the owner's settings (the role that set the schema up).
 */
public final class PostgresMembers {
    private static final Pattern ROLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private PostgresMembers() {
    }

    /** What {@link #add} did: the role, its new password (null when it kept its own), its scopes. */
    public record Member(String role, String password, List<String> scopes) {
    }

    /**
     * Adds {@code role} to {@code scopes}, creating it with a random password when it does not
     * exist (or when {@code newPassword} is true).
     *
     * @throws ProviderException when the database cannot be reached or refuses (the message says why)
     */
    public static Member add(PostgresSettings owner, Schema schema, String role, List<String> scopes,
                             boolean newPassword) throws ProviderException {
        if (!ROLE.matcher(role).matches()) {
            throw new ProviderException("'" + role + "' cannot be a role name here: use lower-case letters, digits"
                    + " and _, starting with a letter, like alice or alice_laptop.", false);
        }
        try (PostgresDataProvider p = PostgresDataProvider.open(owner, schema);
             Connection c = p.adminConnection()) {
            PgLayout layout = p.layout();
            c.setAutoCommit(false);
            String password = null;
            try (Statement st = c.createStatement()) {
                boolean exists;
                try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
                    ps.setString(1, role);
                    try (ResultSet rs = ps.executeQuery()) {
                        exists = rs.next();
                    }
                }
                if (!exists || newPassword) {
                    password = randomPassword();
                    st.execute((exists ? "ALTER ROLE " : "CREATE ROLE ") + PgLayout.quote(role)
                            + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD "
                            + PgLayout.literal(password));
                }
                st.execute("GRANT " + PgLayout.quote(layout.memberRole()) + " TO " + PgLayout.quote(role));
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + layout.schemaName()
                        + "._scope_members(member, scope) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
                    for (String scope : scopes) {
                        ps.setString(1, role);
                        ps.setString(2, scope);
                        ps.executeUpdate();
                    }
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
            return new Member(role, password, List.copyOf(scopes));
        } catch (SQLException e) {
            if ("42501".equals(e.getSQLState())) {
                throw new ProviderException("Role " + owner.user() + " may not create roles or grant membership ("
                        + e.getMessage() + "). Run add-member with the role that owns schema " + owner.schema()
                        + " and may create roles (CREATEROLE).", false, e);
            }
            throw PgErrors.of("Adding member " + role + " to", owner.describe(), e);
        }
    }

    private static String randomPassword() {
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}

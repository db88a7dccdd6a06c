package dev.blobsync.engine.provider.postgres;

import dev.blobsync.engine.config.ConfigException;
import dev.blobsync.engine.config.ProviderConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code data.config} of provider {@code postgres}: where the database is and who connects.
 *
 * <p>{@code url} is {@code postgres://user@host:port/db} (or {@code postgresql://}, or a JDBC
 * {@code jdbc:postgresql://} URL), with optional query parameters passed to the driver
 * ({@code sslmode=require}). {@code user} and {@code password} may be given apart, and may be
 * {@code ${NAME}} references to environment variables, so a config file need not hold a secret.
 * The password never appears in {@link #describe()}, {@link #toString()} or a message.
 *
 * @param jdbcUrl        the driver's URL, without credentials
 * @param user           the role to connect as
 * @param password       its password, or null (trust, peer or a .pgpass file)
 * @param schema         the database schema holding blobsync's tables (default {@code blobsync})
 * @param listen         whether to LISTEN for changes (off behind a transaction-mode pooler)
 * @param poolSize       connections of the pool (pushes and pulls), plus one for LISTEN
 * @param connectTimeout how long a connection attempt may take before the database counts as
 *                       unreachable
 */
public record PostgresSettings(String jdbcUrl, String user, String password, String schema, boolean listen,
                               int poolSize, Duration connectTimeout) {
    private static final Pattern ENV = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,40}");

    /** Reads the settings, resolving {@code ${NAME}} from the process environment. */
    public static PostgresSettings from(ProviderConfig pc) {
        return from(pc, System::getenv);
    }

    static PostgresSettings from(ProviderConfig pc, Function<String, String> env) {
        String url = resolve(pc, "url", pc.requireString("url"), env);
        ParsedUrl parsed = parse(pc, url);
        String user = pc.string("user").map(u -> resolve(pc, "user", u, env)).orElse(parsed.user());
        if (user == null || user.isBlank()) {
            throw new ConfigException(pc.source(), pc.optionPath("user"), "'" + pc.optionPath("user") + "' is missing:"
                    + " give the database role, in the URL (postgres://alice@host/db) or as user: alice.");
        }
        String password = pc.string("password").map(p -> resolve(pc, "password", p, env)).orElse(parsed.password());
        String schema = pc.string("schema").orElse("blobsync");
        if (!SCHEMA.matcher(schema).matches()) {
            throw new ConfigException(pc.source(), pc.optionPath("schema"), "'" + pc.optionPath("schema") + "' is '"
                    + schema + "'. A schema name is lower-case letters, digits and _, like blobsync.");
        }
        int pool = pc.count("poolSize").orElse(3);
        if (pool < 1 || pool > 50) {
            throw new ConfigException(pc.source(), pc.optionPath("poolSize"), "'" + pc.optionPath("poolSize")
                    + "' is " + pool + "; use 1 to 50.");
        }
        return new PostgresSettings(parsed.jdbcUrl(), user, password, schema, pc.bool("listen").orElse(true), pool,
                pc.duration("connectTimeout").orElse(Duration.ofSeconds(5)));
    }

    private record ParsedUrl(String jdbcUrl, String user, String password) {
    }

    private static ParsedUrl parse(ProviderConfig pc, String url) {
        String rest;
        if (url.startsWith("jdbc:postgresql://")) {
            rest = url.substring("jdbc:postgresql://".length());
        } else if (url.startsWith("postgres://")) {
            rest = url.substring("postgres://".length());
        } else if (url.startsWith("postgresql://")) {
            rest = url.substring("postgresql://".length());
        } else {
            throw badUrl(pc, "it does not start with postgres:// or jdbc:postgresql://");
        }
        URI uri;
        try {
            uri = new URI("postgres://" + rest);
        } catch (URISyntaxException e) {
            throw badUrl(pc, "it is not a URL (" + e.getReason() + ")");
        }
        if (uri.getHost() == null) {
            throw badUrl(pc, "it names no host");
        }
        String db = uri.getPath() == null || uri.getPath().length() <= 1 ? null : uri.getPath().substring(1);
        if (db == null) {
            throw badUrl(pc, "it names no database (write postgres://user@host/DATABASE)");
        }
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
            password = parts.length > 1 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : null;
        }
        String host = uri.getHost().contains(":") && !uri.getHost().startsWith("[") ? "[" + uri.getHost() + "]"
                : uri.getHost();
        String jdbc = "jdbc:postgresql://" + host + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + "/" + db
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        return new ParsedUrl(jdbc, user, password);
    }

    private static ConfigException badUrl(ProviderConfig pc, String why) {
        return new ConfigException(pc.source(), pc.optionPath("url"), "'" + pc.optionPath("url") + "' cannot be used: "
                + why + ". Write it like postgres://alice@db.example.com:5432/family.");
    }

    /** Replaces {@code ${NAME}} by the environment variable NAME; a missing one is an error naming it. */
    private static String resolve(ProviderConfig pc, String key, String value, Function<String, String> env) {
        Matcher m = ENV.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = env.apply(m.group(1));
            if (v == null) {
                throw new ConfigException(pc.source(), pc.optionPath(key), "'" + pc.optionPath(key) + "' refers to the"
                        + " environment variable " + m.group(1) + ", which is not set. Set it before starting"
                        + " blobsync, e.g. export " + m.group(1) + "=...");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** For messages: role, server and schema, never the password. */
    public String describe() {
        String where = jdbcUrl.substring("jdbc:postgresql://".length());
        int q = where.indexOf('?');
        return "postgres " + user + "@" + (q >= 0 ? where.substring(0, q) : where) + " schema " + schema;
    }

    /** Driver properties: credentials and the timeouts that make an unreachable server fail fast. */
    Map<String, String> driverProperties() {
        long seconds = Math.max(1, connectTimeout.toSeconds());
        return password == null
                ? Map.of("user", user, "connectTimeout", Long.toString(seconds), "ApplicationName", "blobsync",
                        "tcpKeepAlive", "true")
                : Map.of("user", user, "password", password, "connectTimeout", Long.toString(seconds),
                        "ApplicationName", "blobsync", "tcpKeepAlive", "true");
    }

    @Override
    public String toString() {
        return "PostgresSettings[" + describe() + ", listen=" + listen + ", poolSize=" + poolSize + "]";
    }
}

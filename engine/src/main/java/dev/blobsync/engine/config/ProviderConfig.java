package dev.blobsync.engine.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The {@code data} or {@code blobs} section: which provider, and its {@code config} options.
 * The option keys were checked against the provider's accepted keys when loading; providers
 * read their values with the accessors, whose errors name the file and key path.
 *
 * @param provider the provider name, like {@code sqlite}
 * @param options  the {@code config} map (plain Java values); unmodifiable
 * @param keyPath  the section's key path, {@code data} or {@code blobs}
 * @param source   the configuration file, or {@code null}; relative paths resolve against its
 *                 folder
 */
public record ProviderConfig(String provider, Map<String, Object> options, String keyPath,
                             Path source) {
    /** Headers the HTTP client sets itself; a configuration cannot override them. */
    public static final Set<String> CLIENT_HEADERS =
            Set.of("connection", "content-length", "expect", "host", "upgrade", "transfer-encoding");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    public ProviderConfig {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(keyPath, "keyPath");
        options = options == null ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /** The string option {@code key}; {@link ConfigException} when it is missing or no string. */
    public String requireString(String key) {
        return string(key).orElseThrow(() -> new ConfigException(source, optionPath(key),
                "'" + optionPath(key) + "' is missing; provider " + provider + " needs it."));
    }

    /** The string option {@code key}, if set; {@link ConfigException} when it is no string. */
    public Optional<String> string(String key) {
        Object value = options.get(key);
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof String s) {
            return Optional.of(s);
        }
        throw new ConfigException(source, optionPath(key), "'" + optionPath(key) + "' is "
                + value + ", which is not text. Put it in quotes if it is meant as text.");
    }

    /**
     * The path option {@code key}, absolute: {@code ~} is the home folder, relative paths are
     * relative to the configuration file's folder.
     */
    public Path requirePath(String key) {
        return ConfigPaths.resolve(source, optionPath(key), requireString(key));
    }

    /** The path option {@code key}, if set, resolved like {@link #requirePath}. */
    public Optional<Path> path(String key) {
        return string(key).map(text -> ConfigPaths.resolve(source, optionPath(key), text));
    }

    /** The boolean option {@code key}, if set; {@link ConfigException} when it is no boolean. */
    public Optional<Boolean> bool(String key) {
        Object value = options.get(key);
        if (value == null || value instanceof Boolean) {
            return Optional.ofNullable((Boolean) value);
        }
        throw new ConfigException(source, optionPath(key), "'" + optionPath(key) + "' is "
                + value + ". Accepted: true, false.");
    }

    /** The whole-number option {@code key}, if set; {@link ConfigException} otherwise. */
    public OptionalInt count(String key) {
        Object value = options.get(key);
        if (value == null) {
            return OptionalInt.empty();
        }
        if (value instanceof Integer i) {
            return OptionalInt.of(i);
        }
        throw new ConfigException(source, optionPath(key), "'" + optionPath(key) + "' is "
                + value + ", which is not a whole number.");
    }

    /**
     * The URL option {@code key}, if set: an absolute {@code http} or {@code https} URL;
     * {@link ConfigException} otherwise.
     */
    public Optional<URI> url(String key) {
        return string(key).map(text -> httpUrl(key, text, text));
    }

    /**
     * The URL template option {@code key}, if set: text holding {@code placeholder} that is an
     * absolute {@code http} or {@code https} URL once the placeholder is filled in.
     */
    public Optional<String> urlTemplate(String key, String placeholder) {
        return string(key).map(text -> {
            if (!text.contains(placeholder)) {
                throw new ConfigException(source, optionPath(key), "'" + optionPath(key) + "' is '" + text
                        + "', which does not contain " + placeholder + ". Write where a blob is served, like "
                        + "https://files.example.com/blobs/" + placeholder + ".");
            }
            httpUrl(key, text.replace(placeholder, "0".repeat(64)), text);
            return text;
        });
    }

    private URI httpUrl(String key, String url, String shown) {
        String why;
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                return uri;
            }
            why = "it is not an absolute http or https URL";
        } catch (URISyntaxException e) {
            why = "it is not a URL (" + e.getReason() + " at index " + e.getIndex() + ")";
        }
        throw new ConfigException(source, optionPath(key), "'" + optionPath(key) + "' is '" + shown + "', but "
                + why + ". Write it like https://host:port/path/.");
    }

    /** The byte size option {@code key} (a byte count, or text like {@code 8MiB}), if set. */
    public OptionalLong size(String key) {
        Object value = options.get(key);
        if (value == null) {
            return OptionalLong.empty();
        }
        if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= 0) {
            return OptionalLong.of(((Number) value).longValue());
        }
        if (value instanceof String s) {
            try {
                return OptionalLong.of(Sizes.parse(s));
            } catch (IllegalArgumentException notASize) {
                // reported below, in the words every size error uses
            }
        }
        throw new ConfigException(source, optionPath(key), "'" + optionPath(key) + "' is " + value
                + ", which is not a size. Use bytes or a number with a unit: 500MB, 2GiB.");
    }

    /** The duration option {@code key} (text like {@code 30s}), if set. */
    public Optional<Duration> duration(String key) {
        Object value = options.get(key);
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof String s) {
            try {
                return Optional.of(Durations.parse(s));
            } catch (IllegalArgumentException notADuration) {
                // reported below
            }
        }
        throw new ConfigException(source, optionPath(key), "'" + optionPath(key) + "' is " + value
                + ", which is not a duration. Use a number with a unit: 500ms, 2s, 5m.");
    }

    /**
     * The map of text to text at option {@code key} (like HTTP headers), empty when not set;
     * {@link ConfigException} naming the entry when a value is not text.
     */
    public Map<String, String> textMap(String key) {
        Object value = options.get(key);
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new ConfigException(source, optionPath(key), "'" + optionPath(key) + "' is " + value
                    + ", which is not a map. Write it like {Authorization: 'Bearer abc'}.");
        }
        Map<String, String> out = new LinkedHashMap<>();
        map.forEach((k, v) -> {
            String entry = optionPath(key) + "." + k;
            if (!(v instanceof String s)) {
                throw new ConfigException(source, entry, "'" + entry + "' is " + (v == null ? "empty" : v)
                        + ", which is not text. Put it in quotes.");
            }
            out.put(String.valueOf(k), s);
        });
        return Collections.unmodifiableMap(out);
    }

    /**
     * The HTTP headers at option {@code key}, empty when not set: names must be HTTP tokens and
     * not headers the HTTP client sets itself ({@link #CLIENT_HEADERS}), values single lines.
     */
    public Map<String, String> httpHeaders(String key) {
        Map<String, String> headers = textMap(key);
        headers.forEach((name, value) -> {
            String entry = optionPath(key) + "." + name;
            if (!HEADER_NAME.matcher(name).matches()) {
                throw new ConfigException(source, entry, "'" + entry + "' is not a valid HTTP header name.");
            }
            if (CLIENT_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                throw new ConfigException(source, entry, "'" + entry + "' cannot be set: the HTTP client sets "
                        + String.join(", ", CLIENT_HEADERS) + " itself.");
            }
            if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw new ConfigException(source, entry, "'" + entry + "' spans several lines; a header value "
                        + "is one line.");
            }
        });
        return headers;
    }

    /**
     * The list of texts at option {@code key} (a YAML list, or one text for a list of one), if
     * set; {@link ConfigException} naming the entry when one is not text or is empty.
     */
    public Optional<List<String>> textList(String key) {
        Object value = options.get(key);
        if (value == null) {
            return Optional.empty();
        }
        List<?> items = value instanceof List<?> l ? l : List.of(value);
        if (items.isEmpty()) {
            throw new ConfigException(source, optionPath(key), "'" + optionPath(key) + "' is an empty list; "
                    + "give at least one entry, or leave it out.");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            if (!(items.get(i) instanceof String s) || s.isBlank()) {
                String entry = optionPath(key) + "[" + i + "]";
                throw new ConfigException(source, entry, "'" + entry + "' is " + items.get(i)
                        + ", which is not a non-empty text.");
            }
            out.add(s);
        }
        return Optional.of(List.copyOf(out));
    }

    /**
     * Replaces each {@code ${NAME}} in {@code value} (the value of option {@code key}, or of an
     * entry under it) by environment variable NAME from {@code env}. The error for an unset
     * variable names the key and the variable, never a value.
     */
    public String expandEnv(String key, String value, Map<String, String> env) {
        Matcher m = ENV_REFERENCE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String got = env.get(m.group(1));
            if (got == null || got.isEmpty()) {
                throw new ConfigException(source, optionPath(key), "'" + optionPath(key) + "' refers to ${"
                        + m.group(1) + "}, but that environment variable is not set.");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(got));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The key path of option {@code key}, like {@code data.config.hub}. */
    public String optionPath(String key) {
        return keyPath + ".config." + key;
    }

    /**
     * Like the record's, but with the values of secret-looking keys (secret, password, token,
     * apiKey, headers) hidden.
     */
    @Override
    public String toString() {
        String shown = options.entrySet().stream()
                .map(e -> e.getKey() + "=" + (isSecret(e.getKey()) ? "***" : hideUrlPassword(e.getValue())))
                .collect(Collectors.joining(", ", "{", "}"));
        return "ProviderConfig[provider=" + provider + ", options=" + shown + ", keyPath=" + keyPath
                + ", source=" + source + "]";
    }

    /** {@code scheme://user:secret@host} becomes {@code scheme://user:***@host}. */
    private static Object hideUrlPassword(Object value) {
        return value instanceof String s ? s.replaceAll("(://[^/:@]*):[^/@]*@", "$1:***@") : value;
    }

    private static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("secret") || k.contains("password") || k.contains("token") || k.contains("apikey")
                || k.equals("headers");
    }
}

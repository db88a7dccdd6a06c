package dev.blobsync.engine.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
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

    /** The size option {@code key} in bytes ({@code 8MiB}, {@code 500MB} or a number), if set. */
    public OptionalLong size(String key) {
        Object value = options.get(key);
        if (value == null) {
            return OptionalLong.empty();
        }
        if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= 0) {
            return OptionalLong.of(((Number) value).longValue());
        }
        try {
            if (value instanceof String text) {
                return OptionalLong.of(Sizes.parse(text));
            }
        } catch (IllegalArgumentException notASize) {
            // reported below, in the words every size error uses
        }
        throw new ConfigException(source, optionPath(key), "'" + optionPath(key) + "' is "
                + value + ", which is not a size. Use bytes or a number with a unit: 500MB, 8MiB.");
    }

    /** The duration option {@code key} ({@code 15m}, {@code 1h}, {@code PT2S}), if set. */
    public Optional<Duration> duration(String key) {
        Object value = options.get(key);
        if (value == null) {
            return Optional.empty();
        }
        try {
            if (value instanceof String text) {
                return Optional.of(Durations.parse(text));
            }
        } catch (IllegalArgumentException notADuration) {
            // reported below
        }
        throw new ConfigException(source, optionPath(key), "'" + optionPath(key) + "' is "
                + value + ", which is not a duration. Use a number with a unit: 500ms, 2s, 5m, 1h, 1d.");
    }

    /** The key path of option {@code key}, like {@code data.config.hub}. */
    public String optionPath(String key) {
        return keyPath + ".config." + key;
    }

    /** Like the record's, but with the values of secret-looking keys (secret, password, token) hidden. */
    @Override
    public String toString() {
        String shown = options.entrySet().stream()
                .map(e -> e.getKey() + "=" + (isSecret(e.getKey()) ? "***" : e.getValue()))
                .collect(Collectors.joining(", ", "{", "}"));
        return "ProviderConfig[provider=" + provider + ", options=" + shown + ", keyPath=" + keyPath
                + ", source=" + source + "]";
    }

    private static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("secret") || k.contains("password") || k.contains("token");
    }
}

package dev.blobsync.engine.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

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

    /** The key path of option {@code key}, like {@code data.config.hub}. */
    public String optionPath(String key) {
        return keyPath + ".config." + key;
    }
}

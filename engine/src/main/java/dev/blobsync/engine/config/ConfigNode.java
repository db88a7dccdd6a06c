package dev.blobsync.engine.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One map of a configuration file with its key path, read with checks whose errors name the
 * file, the key path and what is accepted. A key set to nothing ({@code key:}) counts as absent.
 */
final class ConfigNode {
    private final Path file;
    private final String path;
    private final JsonNode node;

    private ConfigNode(Path file, String path, JsonNode node) {
        this.file = file;
        this.path = path;
        this.node = node;
    }

    /** The map at {@code path}; {@code what} says what it holds, for the error. */
    static ConfigNode of(Path file, String path, JsonNode value, String what) {
        if (value == null || !value.isObject()) {
            throw new ConfigException(file, path, (path.isEmpty() ? "The file" : "'" + path + "'")
                    + " must be a map of " + what + ", but is " + shown(value) + ".");
        }
        return new ConfigNode(file, path, value);
    }

    Path file() {
        return file;
    }

    String path() {
        return path;
    }

    JsonNode node() {
        return node;
    }

    /** The key path of {@code key} in this map. */
    String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /**
     * Rejects the first key not in {@code accepted}; {@code hints} may add a sentence for keys
     * people are likely to try (by key name).
     */
    void acceptOnly(List<String> accepted, Map<String, String> hints) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String key = names.next();
            if (accepted.contains(key)) {
                continue;
            }
            StringBuilder message = new StringBuilder("unknown key '").append(path(key))
                    .append("'. Accepted keys ")
                    .append(path.isEmpty() ? "at the top level" : "in '" + path + "'")
                    .append(": ").append(String.join(", ", accepted)).append('.');
            closest(key, accepted).ifPresent(k -> message.append(" Did you mean '").append(k)
                    .append("'?"));
            if (hints.containsKey(key)) {
                message.append(' ').append(hints.get(key));
            }
            throw new ConfigException(file, path(key), message.toString());
        }
    }

    /** The value at {@code key}, or empty when absent or set to nothing. */
    Optional<JsonNode> value(String key) {
        JsonNode value = node.get(key);
        return value == null || value.isNull() ? Optional.empty() : Optional.of(value);
    }

    /** The map at {@code key}, or empty when absent. */
    Optional<ConfigNode> section(String key, String what) {
        return value(key).map(v -> of(file, path(key), v, what));
    }

    Optional<String> text(String key) {
        return value(key).map(v -> {
            if (!v.isTextual()) {
                throw error(key, "'" + path(key) + "' is " + shown(v) + ", which is not text.");
            }
            return v.textValue();
        });
    }

    boolean bool(String key, boolean fallback) {
        return value(key).map(v -> {
            if (!v.isBoolean()) {
                throw error(key, "'" + path(key) + "' is " + shown(v) + ". Accepted: true, false.");
            }
            return v.booleanValue();
        }).orElse(fallback);
    }

    /** A byte size, written as text ({@code 500MB}) or a whole number of bytes. */
    long size(String key, long fallback) {
        Optional<JsonNode> value = value(key);
        if (value.isEmpty()) {
            return fallback;
        }
        JsonNode v = value.get();
        if (v.isIntegralNumber() && v.canConvertToLong() && v.longValue() >= 0) {
            return v.longValue();
        }
        try {
            if (v.isTextual()) {
                return Sizes.parse(v.textValue());
            }
        } catch (IllegalArgumentException notASize) {
            // reported below, in the words every size error uses
        }
        throw error(key, "'" + path(key) + "' is " + shown(v) + ", which is not a size. Use "
                + "bytes or a number with a unit: 500MB, 2GiB.");
    }

    Duration duration(String key, Duration fallback) {
        Optional<JsonNode> value = value(key);
        if (value.isEmpty()) {
            return fallback;
        }
        JsonNode v = value.get();
        try {
            if (v.isTextual()) {
                return Durations.parse(v.textValue());
            }
        } catch (IllegalArgumentException notADuration) {
            // reported below
        }
        throw error(key, "'" + path(key) + "' is " + shown(v) + ", which is not a duration. Use "
                + "a number with a unit: 500ms, 2s, 5m, 1h, 1d (or ISO-8601 like PT2S).");
    }

    double number(String key, double fallback) {
        return value(key).map(v -> {
            if (!v.isNumber()) {
                throw error(key, "'" + path(key) + "' is " + shown(v) + ", which is not a number.");
            }
            return v.doubleValue();
        }).orElse(fallback);
    }

    int count(String key, int fallback) {
        return value(key).map(v -> {
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw error(key, "'" + path(key) + "' is " + shown(v)
                        + ", which is not a whole number.");
            }
            return v.intValue();
        }).orElse(fallback);
    }

    /** One of {@code choices} by its configuration name, ignoring case. */
    <T> T choice(String key, Map<String, T> choices, Collection<String> order, T fallback) {
        Optional<JsonNode> value = value(key);
        if (value.isEmpty()) {
            return fallback;
        }
        JsonNode v = value.get();
        if (v.isTextual()) {
            T chosen = choices.get(v.textValue().toLowerCase(Locale.ROOT));
            if (chosen != null) {
                return chosen;
            }
        }
        throw error(key, "'" + path(key) + "' is " + shown(v) + ". Accepted: "
                + String.join(", ", order) + ".");
    }

    ConfigException error(String key, String message) {
        return new ConfigException(file, path(key), message);
    }

    /** A value as quoted in messages: {@code '500 parsecs'}, {@code 42}, {@code a list}. */
    static String shown(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return "empty";
        }
        if (value.isTextual()) {
            return "'" + value.textValue() + "'";
        }
        if (value.isObject()) {
            return "a map";
        }
        if (value.isArray()) {
            return "a list";
        }
        return value.asText();
    }

    /** The accepted key within two edits of {@code key} (a typo), if there is exactly one best. */
    private static Optional<String> closest(String key, List<String> accepted) {
        String best = null;
        int bestDistance = 3;
        for (String candidate : accepted) {
            int d = distance(key.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Optimal string alignment distance: edits, with a swap of neighbours as one edit. */
    private static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2)
                        && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}

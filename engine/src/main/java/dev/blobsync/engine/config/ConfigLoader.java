package dev.blobsync.engine.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.blobsync.engine.schema.JsonSyntax;
import dev.blobsync.engine.schema.Schema;
import dev.blobsync.engine.schema.SchemaException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads and validates an engine configuration file (YAML, or JSON, which YAML includes).
 *
 * <p>Sections: {@code data}, {@code blobs} and {@code schema} are required; {@code cache},
 * {@code offline} and {@code sync} fall back to defaults. Every problem is a
 * {@link ConfigException} naming the file, the key path and what is accepted. The providers
 * and their option keys are listed once, in {@link #PROVIDERS}.
 */
public final class ConfigLoader {
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {
    };

    /**
     * How a provider option is checked when loading: {@code URL} an absolute http(s) URL,
     * {@code BLOB_URL} such a URL with {@code {sha256}} in it, {@code HEADERS} a map of HTTP
     * header names to values.
     */
    private enum OptionKind { PATH, TEXT, TEXT_LIST, URL, BLOB_URL, BOOL, COUNT, SIZE, DURATION, HEADERS }

    /**
     * A provider's {@code config} keys: every accepted key with its kind, the keys it requires,
     * and a group of keys of which exactly one must be given (empty when there is none).
     */
    private record ProviderSpec(Map<String, OptionKind> options, Set<String> required,
                                List<String> exactlyOne) {
    }

    /** Section ({@code data} or {@code blobs}) → provider name → its keys. Extend here. */
    private static final Map<String, Map<String, ProviderSpec>> PROVIDERS = Map.of(
            "data", Map.of(
                    "sqlite", new ProviderSpec(ordered("hub", OptionKind.PATH, "shared", OptionKind.BOOL),
                            Set.of("hub"), List.of()),
                    // The URL's form and ${ENV} references are checked when the provider opens.
                    "postgres", new ProviderSpec(ordered("url", OptionKind.TEXT, "user", OptionKind.TEXT,
                            "password", OptionKind.TEXT, "schema", OptionKind.TEXT, "listen", OptionKind.BOOL,
                            "poolSize", OptionKind.COUNT, "connectTimeout", OptionKind.DURATION),
                            Set.of("url"), List.of())),
            "blobs", Map.of(
                    "filesystem", new ProviderSpec(
                            ordered("hub", OptionKind.PATH, "directory", OptionKind.PATH,
                                    "shared", OptionKind.BOOL),
                            Set.of(), List.of("hub", "directory")),
                    // Which keys each preset needs is checked when the provider opens.
                    "tus", new ProviderSpec(ordered(
                            "preset", OptionKind.TEXT, "endpoint", OptionKind.URL,
                            "readUrl", OptionKind.BLOB_URL, "headers", OptionKind.HEADERS,
                            "nameMetadata", OptionKind.TEXT_LIST, "requestPayloadSize", OptionKind.SIZE,
                            "timeout", OptionKind.DURATION, "projectRef", OptionKind.TEXT,
                            "bucket", OptionKind.TEXT, "prefix", OptionKind.TEXT,
                            "accessToken", OptionKind.TEXT, "apiKey", OptionKind.TEXT,
                            "cacheControl", OptionKind.TEXT),
                            Set.of(), List.of()),
                    // Which keys each preset needs is checked when the provider opens.
                    "s3", new ProviderSpec(ordered(
                            "preset", OptionKind.TEXT, "bucket", OptionKind.TEXT,
                            "prefix", OptionKind.TEXT, "endpoint", OptionKind.URL,
                            "region", OptionKind.TEXT, "pathStyle", OptionKind.BOOL,
                            "accessKeyId", OptionKind.TEXT, "secretAccessKey", OptionKind.TEXT,
                            "sessionToken", OptionKind.TEXT, "accountId", OptionKind.TEXT,
                            "projectRef", OptionKind.TEXT, "multipartThreshold", OptionKind.SIZE,
                            "partSize", OptionKind.SIZE, "partConcurrency", OptionKind.COUNT,
                            "checksum", OptionKind.TEXT, "urlExpiry", OptionKind.DURATION,
                            "presignEndpoint", OptionKind.URL, "presignToken", OptionKind.TEXT),
                            Set.of(), List.of())));

    private static final List<String> TOP_LEVEL =
            List.of("data", "blobs", "cache", "offline", "sync", "schema");
    private static final List<String> PROVIDER_KEYS = List.of("provider", "config");
    private static final List<String> CACHE_KEYS = List.of("directory", "maxSize", "eviction",
            "warningThreshold", "criticalThreshold", "minFreeDisk", "prefetch");
    private static final List<String> PREFETCH_KEYS = List.of("enabled", "strategy");
    private static final List<String> OFFLINE_KEYS = List.of("queueMutations", "queueUploads",
            "resumableUploads", "maxQueueSize", "conflictResolution", "retryStrategy", "uploadConcurrency",
            "uploadDelay");
    private static final List<String> RETRY_KEYS =
            List.of("maxAttempts", "backoff", "initialDelay", "maxDelay");
    private static final List<String> SYNC_KEYS = List.of("pollInterval", "device");
    /** Keys of the RFC's browser version that blobsync does not need, and why. */
    private static final Map<String, String> CACHE_HINTS = Map.of(
            "backend", "blobsync keeps cached blobs as files in 'cache.directory'.",
            "persist", "blobsync's cache folder is its own; nothing evicts it, so there is "
                    + "nothing to request.",
            "priorities", "Set priorities per file or folder with the user.blobsync.priority "
                    + "attribute.");

    private ConfigLoader() {
    }

    /**
     * Reads and validates the configuration file {@code file}.
     *
     * @throws ConfigException when the file cannot be read or is not a valid configuration
     */
    public static EngineConfig load(Path file) {
        return parse(read(file, file, ""), file);
    }

    /**
     * Validates configuration {@code text}, as if read from {@code source}: relative paths are
     * resolved against the folder of {@code source} (the working directory when it is null)
     * and errors name it.
     *
     * @throws ConfigException when {@code text} is not a valid configuration
     */
    public static EngineConfig parse(String text, Path source) {
        JsonNode tree = readTree(text, source);
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            throw new ConfigException(source, "", "The configuration is empty. It needs at least "
                    + "the sections data, blobs and schema.");
        }
        ConfigNode root = ConfigNode.of(source, "", tree,
                "the sections " + String.join(", ", TOP_LEVEL));
        root.acceptOnly(TOP_LEVEL, Map.of());
        ProviderConfig data = provider(root, "data");
        ProviderConfig blobs = provider(root, "blobs");
        CacheConfig cache = cache(root);
        OfflineConfig offline = offline(root);
        SyncConfig sync = sync(root);
        Schema schema = schema(root);
        return new EngineConfig(source, data, blobs, cache, offline, sync, schema);
    }

    private static ProviderConfig provider(ConfigNode root, String section) {
        Map<String, ProviderSpec> known = PROVIDERS.get(section);
        String accepted = String.join(", ", new TreeMap<>(known).keySet());
        ConfigNode node = root.section(section, "provider and config").orElseThrow(() ->
                root.error(section, "'" + section + "' is missing. Give it as {provider: "
                        + "NAME, config: {...}}; providers: " + accepted + "."));
        node.acceptOnly(PROVIDER_KEYS, Map.of());
        String providerPath = node.path("provider");
        JsonNode name = node.value("provider").orElseThrow(() ->
                node.error("provider", "'" + providerPath + "' is missing. Accepted: " + accepted + "."));
        ProviderSpec spec = name.isTextual() ? known.get(name.textValue()) : null;
        if (spec == null) {
            throw node.error("provider", "'" + providerPath + "' is " + ConfigNode.shown(name)
                    + ". Accepted: " + accepted + ".");
        }
        String provider = name.textValue();
        Map<String, Object> options = new LinkedHashMap<>();
        var config = node.section("config", "options for provider " + provider);
        if (config.isPresent()) {
            ConfigNode c = config.get();
            c.acceptOnly(List.copyOf(spec.options().keySet()), Map.of());
            options.putAll(YAML.convertValue(c.node(), MAP));
        }
        ProviderConfig result = new ProviderConfig(provider, options, section, root.file());
        checkOptions(result, spec);
        return result;
    }

    private static void checkOptions(ProviderConfig config, ProviderSpec spec) {
        for (String key : spec.required()) {
            config.requireString(key);
        }
        if (!spec.exactlyOne().isEmpty()) {
            List<String> given = spec.exactlyOne().stream()
                    .filter(k -> config.options().get(k) != null).toList();
            if (given.size() != 1) {
                String configPath = config.keyPath() + ".config";
                throw new ConfigException(config.source(), configPath, "'" + configPath
                        + "' needs exactly one of " + String.join(", ", spec.exactlyOne())
                        + " for provider " + config.provider() + "; it has "
                        + (given.isEmpty() ? "none" : String.join(" and ", given)) + ".");
            }
        }
        spec.options().forEach((key, kind) -> {
            switch (kind) {
                case PATH -> config.path(key);
                case TEXT -> config.string(key);
                case TEXT_LIST -> config.textList(key);
                case URL -> config.url(key);
                case BLOB_URL -> config.urlTemplate(key, "{sha256}");
                case BOOL -> config.bool(key);
                case COUNT -> config.count(key);
                case SIZE -> config.size(key);
                case DURATION -> config.duration(key);
                case HEADERS -> config.httpHeaders(key);
            }
        });
    }

    private static CacheConfig cache(ConfigNode root) {
        CacheConfig defaults = CacheConfig.defaults(ConfigPaths.base(root.file()).resolve("cache"));
        var section = root.section("cache", "cache settings");
        if (section.isEmpty()) {
            return defaults;
        }
        ConfigNode node = section.get();
        node.acceptOnly(CACHE_KEYS, CACHE_HINTS);
        Path directory = node.text("directory")
                .map(text -> ConfigPaths.resolve(root.file(), node.path("directory"), text))
                .orElse(defaults.directory());
        long maxSize = node.size("maxSize", defaults.maxSize());
        if (maxSize == 0) {
            throw node.error("maxSize", "'" + node.path("maxSize") + "' is 0; the cache needs "
                    + "room. Use a size above 0, like 2GB.");
        }
        Eviction eviction = node.choice("eviction", byValue(Eviction.values(), Eviction::configValue),
                values(Eviction.values(), Eviction::configValue), defaults.eviction());
        double warning = node.number("warningThreshold", defaults.warningThreshold());
        double critical = node.number("criticalThreshold", defaults.criticalThreshold());
        checkThresholds(node, warning, critical);
        long minFreeDisk = node.size("minFreeDisk", defaults.minFreeDisk());
        PrefetchConfig prefetch = node.section("prefetch", "prefetch settings")
                .map(ConfigLoader::prefetch).orElse(defaults.prefetch());
        return new CacheConfig(directory, maxSize, eviction, warning, critical, minFreeDisk, prefetch);
    }

    private static void checkThresholds(ConfigNode node, double warning, double critical) {
        String rule = " Thresholds are fractions of maxSize with 0 < warningThreshold < "
                + "criticalThreshold <= 1, like 0.8 and 0.95.";
        if (!(warning > 0 && warning < 1)) {
            throw node.error("warningThreshold", "'" + node.path("warningThreshold") + "' is "
                    + warning + "." + rule);
        }
        if (!(critical > 0 && critical <= 1)) {
            throw node.error("criticalThreshold", "'" + node.path("criticalThreshold") + "' is "
                    + critical + "." + rule);
        }
        if (warning >= critical) {
            throw node.error("warningThreshold", "'" + node.path("warningThreshold") + "' ("
                    + warning + ") must be below '" + node.path("criticalThreshold") + "' ("
                    + critical + ")." + rule);
        }
    }

    private static PrefetchConfig prefetch(ConfigNode node) {
        node.acceptOnly(PREFETCH_KEYS, Map.of());
        PrefetchConfig defaults = PrefetchConfig.defaults();
        List<String> strategies = List.of(PrefetchConfig.VISIBLE, PrefetchConfig.NONE);
        return new PrefetchConfig(node.bool("enabled", defaults.enabled()),
                node.choice("strategy", byValue(strategies.toArray(String[]::new), s -> s),
                        strategies, defaults.strategy()));
    }

    private static OfflineConfig offline(ConfigNode root) {
        OfflineConfig defaults = OfflineConfig.defaults();
        var section = root.section("offline", "offline settings");
        if (section.isEmpty()) {
            return defaults;
        }
        ConfigNode node = section.get();
        node.acceptOnly(OFFLINE_KEYS, Map.of());
        long maxQueueSize = node.size("maxQueueSize", defaults.maxQueueSize());
        if (maxQueueSize == 0) {
            throw node.error("maxQueueSize", "'" + node.path("maxQueueSize") + "' is 0; "
                    + "nothing could be queued. Use a size above 0, like 1GB.");
        }
        int concurrency = node.count("uploadConcurrency", defaults.uploadConcurrency());
        if (concurrency < 1 || concurrency > 64) {
            throw node.error("uploadConcurrency", "'" + node.path("uploadConcurrency") + "' is " + concurrency
                    + "; use a number from 1 to 64.");
        }
        ConflictResolution[] resolutions = ConflictResolution.values();
        return new OfflineConfig(
                node.bool("queueMutations", defaults.queueMutations()),
                node.bool("queueUploads", defaults.queueUploads()),
                node.bool("resumableUploads", defaults.resumableUploads()),
                maxQueueSize,
                node.choice("conflictResolution", byValue(resolutions, ConflictResolution::configValue),
                        values(resolutions, ConflictResolution::configValue),
                        defaults.conflictResolution()),
                node.section("retryStrategy", "retry settings").map(ConfigLoader::retry)
                        .orElse(defaults.retryStrategy()),
                concurrency,
                node.duration("uploadDelay", defaults.uploadDelay()));
    }

    private static RetryStrategy retry(ConfigNode node) {
        node.acceptOnly(RETRY_KEYS, Map.of());
        RetryStrategy defaults = RetryStrategy.defaults();
        int maxAttempts = node.count("maxAttempts", defaults.maxAttempts());
        if (maxAttempts < 1) {
            throw node.error("maxAttempts", "'" + node.path("maxAttempts") + "' is "
                    + maxAttempts + "; it must be at least 1.");
        }
        Backoff backoff = node.choice("backoff", byValue(Backoff.values(), Backoff::configValue),
                values(Backoff.values(), Backoff::configValue), defaults.backoff());
        Duration initial = node.duration("initialDelay", defaults.initialDelay());
        if (initial.isZero()) {
            throw node.error("initialDelay", "'" + node.path("initialDelay") + "' is 0; "
                    + "retries need a pause. Use a duration above 0, like 1s.");
        }
        Duration max = node.duration("maxDelay", defaults.maxDelay());
        if (max.compareTo(initial) < 0) {
            throw node.error("maxDelay", "'" + node.path("maxDelay") + "' (" + max
                    + ") is shorter than '" + node.path("initialDelay") + "' (" + initial
                    + "); it must be at least as long.");
        }
        return new RetryStrategy(maxAttempts, backoff, initial, max);
    }

    private static SyncConfig sync(ConfigNode root) {
        SyncConfig defaults = SyncConfig.defaults();
        var section = root.section("sync", "sync settings");
        if (section.isEmpty()) {
            return defaults;
        }
        ConfigNode node = section.get();
        node.acceptOnly(SYNC_KEYS, Map.of());
        Duration poll = node.duration("pollInterval", defaults.pollInterval());
        if (poll.isZero()) {
            throw node.error("pollInterval", "'" + node.path("pollInterval") + "' is 0. Use a "
                    + "duration above 0, like 2s.");
        }
        String device = node.text("device").orElse(null);
        if (device != null && !SyncConfig.DEVICE_NAME.matcher(device).matches()) {
            throw node.error("device", "'" + node.path("device") + "' is '" + device + "'. A device name is 1 to 40"
                    + " letters, digits, - or _, starting with a letter or digit, like alice-laptop.");
        }
        return new SyncConfig(poll, device);
    }

    private static Schema schema(ConfigNode root) {
        JsonNode value = root.value("schema").orElseThrow(() -> root.error("schema",
                "'schema' is missing. Give the tables inline (schema: {photos: {title: string}}) "
                        + "or the path of a schema file (schema: photos.schema.yaml)."));
        if (value.isObject()) {
            try {
                return Schema.fromTree(YAML.convertValue(value, MAP), "schema");
            } catch (SchemaException e) {
                throw new ConfigException(root.file(), e.keyPath(), e.getMessage(), e);
            }
        }
        if (!value.isTextual()) {
            throw root.error("schema", "'schema' is " + ConfigNode.shown(value) + ". Give the "
                    + "tables as a map or the path of a schema file (schema: photos.schema.yaml).");
        }
        Path file = ConfigPaths.resolve(root.file(), "schema", value.textValue());
        String namedBy = " (This schema file is named by 'schema' in "
                + (root.file() == null ? "the configuration" : root.file()) + ".)";
        String text = read(file, root.file(), "schema");
        JsonNode tree;
        try {
            tree = readTree(text, file);
        } catch (ConfigException e) {
            throw new ConfigException(file, e.keyPath(), problem(e) + namedBy, e);
        }
        if (tree != null && !tree.isNull() && !tree.isMissingNode() && !tree.isObject()) {
            throw new ConfigException(file, "", "A schema file must hold a map of tables, but "
                    + "this one holds " + ConfigNode.shown(tree) + "." + namedBy);
        }
        try {
            Map<String, Object> tables = tree == null || !tree.isObject() ? Map.of()
                    : YAML.convertValue(tree, MAP);
            return Schema.fromTree(tables);
        } catch (SchemaException e) {
            throw new ConfigException(file, e.keyPath(), e.getMessage() + namedBy, e);
        }
    }

    /**
     * The text of {@code file}; when it cannot be read the error names {@code keyPath} of
     * {@code referrer} if another file referred to it, else the file itself.
     */
    private static String read(Path file, Path referrer, String keyPath) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            String why;
            if (e instanceof NoSuchFileException) {
                why = "it does not exist";
            } else if (e instanceof AccessDeniedException) {
                why = "permission denied";
            } else if (e instanceof CharacterCodingException) {
                why = "it is not UTF-8 text";
            } else if (Files.isDirectory(file)) {
                why = "it is a folder";
            } else {
                why = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            }
            String problem = keyPath.isEmpty()
                    ? "The file cannot be read: " + why + "."
                    : "'" + keyPath + "' names the file " + file + ", which cannot be read: " + why + ".";
            throw new ConfigException(keyPath.isEmpty() ? file : referrer, keyPath, problem, e);
        }
    }

    private static JsonNode readTree(String text, Path source) {
        try {
            return YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source, "", "The file is not valid YAML or JSON: "
                    + syntaxProblem(e), e);
        }
    }

    /** Where and what the syntax problem is: {@code line 4, column 12: expected …}. */
    private static String syntaxProblem(JsonProcessingException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            // SnakeYAML's marks point at the offending character; Jackson's at its last token.
            if (t instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
                Mark at = yaml.getProblemMark();
                String problem = "line " + (at.getLine() + 1) + ", column " + (at.getColumn() + 1)
                        + ": " + oneLine(yaml.getProblem());
                Mark from = yaml.getContextMark();
                if (yaml.getContext() != null && from != null) {
                    problem += " (" + oneLine(yaml.getContext()) + " that starts at line "
                            + (from.getLine() + 1) + ", column " + (from.getColumn() + 1) + ")";
                }
                return problem;
            }
        }
        return JsonSyntax.describe(e);
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.strip().replaceAll("\\s*\\n\\s*", " ");
    }

    /** The message of {@code e} without the leading file name. */
    private static String problem(ConfigException e) {
        String prefix = (e.file() == null ? "(configuration text)" : e.file().toString()) + ": ";
        String message = e.getMessage();
        return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }

    private static <E> Map<String, E> byValue(E[] values, Function<E, String> name) {
        return Arrays.stream(values).collect(Collectors.toMap(name, v -> v));
    }

    private static <E> List<String> values(E[] values, Function<E, String> name) {
        return Arrays.stream(values).map(name).toList();
    }

    /** An ordered option map from key, kind, key, kind, … (the order of error messages). */
    private static Map<String, OptionKind> ordered(Object... keysAndKinds) {
        Map<String, OptionKind> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndKinds.length; i += 2) {
            map.put((String) keysAndKinds[i], (OptionKind) keysAndKinds[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(map);
    }
}

package dev.blobsync.engine.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import dev.blobsync.engine.schema.FieldSchema;
import dev.blobsync.engine.schema.FieldType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private static final String PROVIDERS = """
            data:
              provider: sqlite
              config:
                hub: hub
            blobs:
              provider: filesystem
              config:
                hub: hub
            """;
    private static final String SCHEMA = """
            schema:
              photos:
                id: uuid
                title: string
                takenAt: datetime
                familyId: uuid
                image: { type: blob, mimeTypes: ['image/*'] }
                audio: { type: blob, mimeTypes: ['audio/*'], optional: true }
            """;

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return file;
    }

    private EngineConfig load(String text) throws IOException {
        return ConfigLoader.load(write("blobsync.yaml", text));
    }

    /** Loading {@code text} fails; the message names the file and {@code keyPath}. */
    private AbstractThrowableAssert<?, ? extends Throwable> failsAt(String text, String keyPath)
            throws IOException {
        Path file = write("blobsync.yaml", text);
        return assertThatThrownBy(() -> ConfigLoader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ": ")
                .satisfies(e -> assertThat(((ConfigException) e).file()).isEqualTo(file))
                .satisfies(e -> assertThat(((ConfigException) e).keyPath()).isEqualTo(keyPath));
    }

    @Test
    void minimalConfigGetsEveryDefault() throws IOException {
        EngineConfig config = load(PROVIDERS + SCHEMA);

        assertThat(config.source()).isEqualTo(dir.resolve("blobsync.yaml"));
        CacheConfig cache = config.cache();
        assertThat(cache.directory()).isEqualTo(dir.toAbsolutePath().resolve("cache"));
        assertThat(cache.maxSize()).isEqualTo(2_000_000_000L);
        assertThat(cache.eviction()).isEqualTo(Eviction.LRU);
        assertThat(cache.warningThreshold()).isEqualTo(0.8);
        assertThat(cache.criticalThreshold()).isEqualTo(0.95);
        assertThat(cache.minFreeDisk()).isEqualTo(1_000_000_000L);
        assertThat(cache.prefetch()).isEqualTo(new PrefetchConfig(true, "visible"));
        assertThat(config.offline()).isEqualTo(new OfflineConfig(true, true, true, 1_000_000_000L,
                ConflictResolution.LAST_WRITE_WINS,
                new RetryStrategy(5, Backoff.EXPONENTIAL, Duration.ofSeconds(1), Duration.ofMinutes(5)),
                2, Duration.ofSeconds(1)));
        assertThat(config.sync().pollInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.schema().table("photos").fields()).extracting(FieldSchema::name)
                .containsExactly("title", "takenAt", "familyId", "image", "audio");
    }

    @Test
    void everySettingIsRead() throws IOException {
        EngineConfig config = load(PROVIDERS + SCHEMA + """
                cache:
                  directory: /var/cache/blobsync
                  maxSize: 500MB
                  eviction: fifo
                  warningThreshold: 0.5
                  criticalThreshold: 1
                  minFreeDisk: 2GiB
                  prefetch: {enabled: false, strategy: none}
                offline:
                  queueMutations: false
                  queueUploads: false
                  resumableUploads: false
                  maxQueueSize: 1048576
                  conflictResolution: server-wins
                  retryStrategy:
                    maxAttempts: 8
                    backoff: linear
                    initialDelay: 500ms
                    maxDelay: 1h
                  uploadConcurrency: 4
                  uploadDelay: 250ms
                sync:
                  pollInterval: 2s
                """);
        assertThat(config.cache()).isEqualTo(new CacheConfig(Path.of("/var/cache/blobsync"),
                500_000_000L, Eviction.FIFO, 0.5, 1.0, 2L << 30, new PrefetchConfig(false, "none")));
        assertThat(config.offline()).isEqualTo(new OfflineConfig(false, false, false, 1_048_576L,
                ConflictResolution.SERVER_WINS,
                new RetryStrategy(8, Backoff.LINEAR, Duration.ofMillis(500), Duration.ofHours(1)),
                4, Duration.ofMillis(250)));
        assertThat(config.sync()).isEqualTo(new SyncConfig(Duration.ofSeconds(2)));
    }

    @Test
    void jsonFileParsesToo() throws IOException {
        Path file = write("blobsync.json", """
                {"data": {"provider": "sqlite", "config": {"hub": "/srv/hub"}},
                 "blobs": {"provider": "filesystem", "config": {"directory": "/srv/blobs"}},
                 "schema": {"notes": {"title": "string"}},
                 "offline": {"conflictResolution": "manual"}}
                """);
        EngineConfig config = ConfigLoader.load(file);
        assertThat(config.data().requirePath("hub")).isEqualTo(Path.of("/srv/hub"));
        assertThat(config.blobs().path("directory")).contains(Path.of("/srv/blobs"));
        assertThat(config.offline().conflictResolution()).isEqualTo(ConflictResolution.MANUAL);
    }

    @Test
    void unknownCacheKeyIsRejectedNamingFileAndKeyPath() throws IOException {
        Path file = dir.resolve("blobsync.yaml");
        failsAt(PROVIDERS + SCHEMA + "cache: {maxSzie: 500MB}\n", "cache.maxSzie")
                .hasMessageStartingWith(file + ": unknown key 'cache.maxSzie'. Accepted keys in "
                        + "'cache': directory, maxSize, eviction, warningThreshold, "
                        + "criticalThreshold, minFreeDisk, prefetch.")
                .hasMessageContaining("Did you mean 'maxSize'?");
    }

    @Test
    void unknownKeysAreRejectedInEverySection() throws IOException {
        failsAt(PROVIDERS + SCHEMA + "cachee: {}\n", "cachee")
                .hasMessageContaining("data, blobs, cache, offline, sync, schema");
        failsAt(PROVIDERS + SCHEMA + "offline: {retryStrategy: {attempts: 3}}\n",
                "offline.retryStrategy.attempts")
                .hasMessageContaining("maxAttempts, backoff, initialDelay, maxDelay");
        failsAt(PROVIDERS + SCHEMA + "cache: {prefetch: {on: true}}\n", "cache.prefetch.on")
                .hasMessageContaining("enabled, strategy");
        failsAt(PROVIDERS + SCHEMA + "sync: {interval: 2s}\n", "sync.interval")
                .hasMessageContaining("pollInterval");
        failsAt(PROVIDERS + SCHEMA + "offline: {queue: true}\n", "offline.queue")
                .hasMessageContaining("queueMutations, queueUploads, resumableUploads, "
                        + "maxQueueSize, conflictResolution, retryStrategy");
    }

    @Test
    void rfcBrowserCacheKeysGetAHint() throws IOException {
        failsAt(PROVIDERS + SCHEMA + "cache: {backend: opfs}\n", "cache.backend")
                .hasMessageContaining("cache.directory");
    }

    @Test
    void badSizeIsRejectedWithExamples() throws IOException {
        failsAt(PROVIDERS + SCHEMA + "cache: {maxSize: 500 parsecs}\n", "cache.maxSize")
                .hasMessageEndingWith(": 'cache.maxSize' is '500 parsecs', which is not a size. "
                        + "Use bytes or a number with a unit: 500MB, 2GiB.");
        failsAt(PROVIDERS + SCHEMA + "cache: {minFreeDisk: -5}\n", "cache.minFreeDisk")
                .hasMessageContaining("'cache.minFreeDisk' is -5, which is not a size");
        failsAt(PROVIDERS + SCHEMA + "offline: {maxQueueSize: 1.5}\n", "offline.maxQueueSize")
                .hasMessageContaining("not a size");
        failsAt(PROVIDERS + SCHEMA + "cache: {maxSize: 0}\n", "cache.maxSize")
                .hasMessageContaining("above 0");
    }

    @Test
    void badDurationIsRejectedWithExamples() throws IOException {
        failsAt(PROVIDERS + SCHEMA + "sync: {pollInterval: 2}\n", "sync.pollInterval")
                .hasMessageContaining("'sync.pollInterval' is 2, which is not a duration")
                .hasMessageContaining("500ms, 2s, 5m, 1h, 1d");
        failsAt(PROVIDERS + SCHEMA + "sync: {pollInterval: 0s}\n", "sync.pollInterval");
        failsAt(PROVIDERS + SCHEMA + "offline: {retryStrategy: {initialDelay: 1m, maxDelay: 2s}}\n",
                "offline.retryStrategy.maxDelay")
                .hasMessageContaining("shorter than 'offline.retryStrategy.initialDelay'");
    }

    @Test
    void badChoicesListTheAcceptedValues() throws IOException {
        failsAt(PROVIDERS + SCHEMA + "cache: {eviction: random}\n", "cache.eviction")
                .hasMessageContaining("'cache.eviction' is 'random'. Accepted: lru, fifo, manual.");
        failsAt(PROVIDERS + SCHEMA + "offline: {conflictResolution: newest}\n",
                "offline.conflictResolution")
                .hasMessageContaining("Accepted: last-write-wins, manual, server-wins.");
        failsAt(PROVIDERS + SCHEMA + "offline: {retryStrategy: {backoff: 2}}\n",
                "offline.retryStrategy.backoff")
                .hasMessageContaining("Accepted: exponential, linear, fixed.");
        failsAt(PROVIDERS + SCHEMA + "cache: {prefetch: {strategy: all}}\n", "cache.prefetch.strategy")
                .hasMessageContaining("Accepted: visible, none.");
    }

    @Test
    void wrongScalarTypesAreRejected() throws IOException {
        failsAt(PROVIDERS + SCHEMA + "offline: {queueUploads: 'yes'}\n", "offline.queueUploads")
                .hasMessageContaining("Accepted: true, false.");
        failsAt(PROVIDERS + SCHEMA + "offline: {retryStrategy: {maxAttempts: 0}}\n",
                "offline.retryStrategy.maxAttempts").hasMessageContaining("at least 1");
        failsAt(PROVIDERS + SCHEMA + "offline: {retryStrategy: {maxAttempts: 2.5}}\n",
                "offline.retryStrategy.maxAttempts").hasMessageContaining("whole number");
        failsAt(PROVIDERS + SCHEMA + "cache: 5\n", "cache").hasMessageContaining("must be a map");
        failsAt(PROVIDERS + SCHEMA + "cache: {warningThreshold: high}\n", "cache.warningThreshold")
                .hasMessageContaining("not a number");
    }

    @Test
    void thresholdsMustBeOrderedFractions() throws IOException {
        failsAt(PROVIDERS + SCHEMA + "cache: {warningThreshold: 0.96}\n", "cache.warningThreshold")
                .hasMessageContaining("must be below 'cache.criticalThreshold'")
                .hasMessageContaining("0 < warningThreshold < criticalThreshold <= 1");
        failsAt(PROVIDERS + SCHEMA + "cache: {criticalThreshold: 1.5}\n", "cache.criticalThreshold");
        failsAt(PROVIDERS + SCHEMA + "cache: {warningThreshold: 0}\n", "cache.warningThreshold");
    }

    @Test
    void missingProviderListsTheAcceptedProviders() throws IOException {
        failsAt("data: {config: {hub: x}}\nblobs: {provider: filesystem, config: {hub: x}}\n" + SCHEMA,
                "data.provider")
                .hasMessageEndingWith(": 'data.provider' is missing. Accepted: postgres, sqlite.");
    }

    @Test
    void aDeviceNameThatCannotNameAFileIsRefusedWithTheRule() throws IOException {
        failsAt(PROVIDERS + SCHEMA + "sync: {device: 'my laptop/2'}\n", "sync.device")
                .hasMessageContaining("1 to 40 letters, digits, - or _");
    }

    @Test
    void unknownProviderListsTheAcceptedProviders() throws IOException {
        failsAt("data: {provider: sqlite, config: {hub: x}}\nblobs: {provider: dropbox}\n" + SCHEMA,
                "blobs.provider")
                .hasMessageEndingWith(": 'blobs.provider' is 'dropbox'. Accepted: filesystem, s3, tus.");
    }

    @Test
    void providerOptionsAreCheckedAgainstTheProvidersKeys() throws IOException {
        failsAt("data: {provider: sqlite, config: {hub: x, url: 'https://x'}}\n"
                + "blobs: {provider: filesystem, config: {hub: x}}\n" + SCHEMA, "data.config.url")
                .hasMessageContaining("unknown key 'data.config.url'. Accepted keys in 'data.config': hub, shared.");
        failsAt("data: {provider: sqlite}\nblobs: {provider: filesystem, config: {hub: x}}\n" + SCHEMA,
                "data.config.hub")
                .hasMessageContaining("'data.config.hub' is missing");
        failsAt("data: {provider: sqlite, config: {hub: 42}}\n"
                + "blobs: {provider: filesystem, config: {hub: x}}\n" + SCHEMA, "data.config.hub")
                .hasMessageContaining("not text");
        failsAt("data: {provider: sqlite, config: {hub: ''}}\n"
                + "blobs: {provider: filesystem, config: {hub: x}}\n" + SCHEMA, "data.config.hub")
                .hasMessageContaining("is empty");
        failsAt("data: {provider: sqlite, config: {hub: x}, url: y}\n"
                + "blobs: {provider: filesystem, config: {hub: x}}\n" + SCHEMA, "data.url")
                .hasMessageContaining("Accepted keys in 'data': provider, config.");
        failsAt("data: {provider: sqlite, config: {hub: x, shared: family}}\n"
                + "blobs: {provider: filesystem, config: {hub: x}}\n" + SCHEMA, "data.config.shared")
                .hasMessageContaining("Accepted: true, false.");
    }

    @Test
    void filesystemBlobsNeedExactlyOneOfHubAndDirectory() throws IOException {
        String data = "data: {provider: sqlite, config: {hub: x}}\n";
        failsAt(data + "blobs: {provider: filesystem}\n" + SCHEMA, "blobs.config")
                .hasMessageContaining("exactly one of hub, directory")
                .hasMessageContaining("it has none");
        failsAt(data + "blobs: {provider: filesystem, config: {hub: a, directory: b}}\n" + SCHEMA,
                "blobs.config")
                .hasMessageContaining("it has hub and directory");
    }

    @Test
    void requiredSectionsAreNamedWhenMissing() throws IOException {
        failsAt("blobs: {provider: filesystem, config: {hub: x}}\n" + SCHEMA, "data")
                .hasMessageContaining("'data' is missing").hasMessageContaining("sqlite");
        failsAt("data: {provider: sqlite, config: {hub: x}}\n" + SCHEMA, "blobs")
                .hasMessageContaining("'blobs' is missing").hasMessageContaining("filesystem");
        failsAt(PROVIDERS, "schema").hasMessageContaining("'schema' is missing");
        failsAt("", "").hasMessageContaining("empty");
        failsAt("- a\n- b\n", "").hasMessageContaining("must be a map");
    }

    @Test
    void yamlSyntaxErrorNamesLineAndColumn() throws IOException {
        failsAt(PROVIDERS + "cache:\n  maxSize: [500MB\n" + SCHEMA, "")
                .hasMessageContaining("not valid YAML")
                .hasMessageMatching("(?s).*line \\d+, column \\d+.*");
        failsAt(PROVIDERS + "data: {provider: sqlite}\n" + SCHEMA, "")
                .hasMessageContaining("line 9")
                .hasMessageContaining("'data'");
    }

    /** Issue 9, defect 6d: the parser's internals stay out of the message; the place stays in. */
    @Test
    void syntaxErrorsCarryNoParserInternals() throws IOException {
        String deep = "extra: " + "[".repeat(1200) + "]".repeat(1200) + "\n";
        failsAt(PROVIDERS + deep + SCHEMA, "")
                .hasMessageContaining("not valid YAML")
                .hasMessageContaining("nested more than 1000 levels")
                .hasMessageNotContaining("StreamReadConstraints").hasMessageNotContaining("`");
        failsAt("{\"data\": {\"provider\": \"sqlite\"}, \"data\": 1}", "")
                .hasMessageMatching("(?s).*line \\d+, column \\d+: the key 'data' appears twice.*")
                .hasMessageNotContaining("Source").hasMessageNotContaining("REDACTED");
    }

    @Test
    void relativePathsResolveAgainstTheConfigFolder() throws IOException {
        Path file = write("conf/blobsync.yaml", """
                data: {provider: sqlite, config: {hub: ../hub}}
                blobs: {provider: filesystem, config: {directory: blobs}}
                cache: {directory: ./my-cache}
                """ + SCHEMA);
        EngineConfig config = ConfigLoader.load(file);
        Path folder = dir.toAbsolutePath().resolve("conf");
        assertThat(config.data().requirePath("hub")).isEqualTo(dir.toAbsolutePath().resolve("hub"));
        assertThat(config.blobs().path("directory")).contains(folder.resolve("blobs"));
        assertThat(config.blobs().path("hub")).isEmpty();
        assertThat(config.cache().directory()).isEqualTo(folder.resolve("my-cache"));
    }

    @Test
    void tildeIsTheHomeFolder() throws IOException {
        EngineConfig config = load("""
                data: {provider: sqlite, config: {hub: '~'}}
                blobs: {provider: filesystem, config: {hub: ~/hub}}
                """ + SCHEMA);
        Path home = Path.of(System.getProperty("user.home"));
        assertThat(config.data().requirePath("hub")).isEqualTo(home.toAbsolutePath().normalize());
        assertThat(config.blobs().requirePath("hub")).isEqualTo(home.resolve("hub").toAbsolutePath().normalize());
    }

    @Test
    void schemaMayBeAFileRelativeToTheConfig() throws IOException {
        write("schemas/photos.schema.yaml", """
                photos:
                  title: string
                  image: { type: blob, mimeTypes: ['image/*'] }
                """);
        EngineConfig config = load(PROVIDERS + "schema: schemas/photos.schema.yaml\n");
        assertThat(config.schema().table("photos").field("image").orElseThrow().type())
                .isEqualTo(FieldType.BLOB);
    }

    @Test
    void schemaErrorsInlineCarryTheSchemaPrefix() throws IOException {
        failsAt(PROVIDERS + "schema:\n  photos: {title: strng}\n", "schema.photos.title")
                .hasMessageContaining("'schema.photos.title' has type 'strng'")
                .hasMessageContaining("uuid, string, int, float, bool, datetime, json, blob");
        failsAt(PROVIDERS + "schema:\n  photos: {image: {type: blob, mimeType: []}}\n",
                "schema.photos.image.mimeType")
                .hasMessageContaining("Accepted keys in 'schema.photos.image': type, optional, mimeTypes, default.");
        failsAt(PROVIDERS + "schema: 42\n", "schema").hasMessageContaining("path of a schema file");
    }

    @Test
    void schemaFileErrorsNameTheSchemaFile() throws IOException {
        Path schemaFile = write("bad.schema.yaml", "photos:\n  title: strng\n");
        Path config = write("blobsync.yaml", PROVIDERS + "schema: bad.schema.yaml\n");
        assertThatThrownBy(() -> ConfigLoader.load(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(schemaFile + ": 'photos.title' has type 'strng'")
                .hasMessageContaining("named by 'schema' in " + config)
                .asInstanceOf(type(ConfigException.class))
                .satisfies(e -> assertThat(e.file()).isEqualTo(schemaFile))
                .satisfies(e -> assertThat(e.keyPath()).isEqualTo("photos.title"));

        write("broken.schema.yaml", "photos: {title: string\n");
        Path broken = write("blobsync.yaml", PROVIDERS + "schema: broken.schema.yaml\n");
        assertThatThrownBy(() -> ConfigLoader.load(broken))
                .hasMessageStartingWith(dir.resolve("broken.schema.yaml") + ": ")
                .hasMessageContaining("line ");
    }

    @Test
    void missingSchemaFileIsNamedWithTheKey() throws IOException {
        failsAt(PROVIDERS + "schema: nowhere.yaml\n", "schema")
                .hasMessageContaining("'schema' names the file " + dir.resolve("nowhere.yaml"))
                .hasMessageContaining("does not exist");
    }

    @Test
    void unreadableConfigFileSaysWhy() {
        Path missing = dir.resolve("absent.yaml");
        assertThatThrownBy(() -> ConfigLoader.load(missing))
                .isInstanceOf(ConfigException.class)
                .hasMessage(missing + ": The file cannot be read: it does not exist.");
        assertThatThrownBy(() -> ConfigLoader.load(dir))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot be read");
    }

    @Test
    void parseWithoutAFileResolvesAgainstTheWorkingDirectory() {
        EngineConfig config = ConfigLoader.parse(PROVIDERS + SCHEMA, null);
        assertThat(config.source()).isNull();
        assertThat(config.data().requirePath("hub"))
                .isEqualTo(Path.of("hub").toAbsolutePath().normalize());
    }
}

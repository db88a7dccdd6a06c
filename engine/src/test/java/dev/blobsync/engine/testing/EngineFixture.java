package dev.blobsync.engine.testing;

import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.config.EngineConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Builds real engines on a temporary hub for tests: a config file per device (its own cache
 * folder) pointing at one shared hub, with the photos schema of the RFC.
 */
public final class EngineFixture {
    public static final String PHOTOS_SCHEMA = """
            schema:
              photos:
                $folderName: "{takenAt:yyyy-MM-dd} {title}"
                id: uuid
                title: string
                takenAt: datetime
                familyId: uuid
                image: { type: blob, mimeTypes: ['image/*'] }
                audio: { type: blob, mimeTypes: ['audio/*'], optional: true }
            """;

    private final Path root;

    public EngineFixture(Path root) {
        this.root = root;
    }

    public Path hub() {
        return root.resolve("hub");
    }

    /** Writes (once) and returns the config file of device {@code name}. */
    public Path config(String name) {
        return config(name, "200ms");
    }

    /** Like {@link #config(String)}, polling the hub every {@code pollInterval}. */
    public Path config(String name, String pollInterval) {
        return config(name, pollInterval, "  retryStrategy:\n    maxAttempts: 50\n    initialDelay: 100ms\n"
                + "    maxDelay: 500ms\n  uploadDelay: 100ms\n");
    }

    /** Like {@link #config(String)}, with the body of the {@code offline} section given. */
    public Path config(String name, String pollInterval, String offlineSection) {
        return config(name, pollInterval, offlineSection, "");
    }

    /** Like {@link #config(String)}, with more keys for the {@code cache} section (indented by two). */
    public Path config(String name, String pollInterval, String offlineSection, String cacheKeys) {
        Path file = root.resolve(name + ".yaml");
        if (!Files.exists(file)) {
            String yaml = "data:\n  provider: sqlite\n  config:\n    hub: " + hub() + "\n"
                    + "blobs:\n  provider: filesystem\n  config:\n    hub: " + hub() + "\n"
                    + "cache:\n  directory: " + root.resolve("cache-" + name) + "\n" + cacheKeys
                    + "sync:\n  pollInterval: " + pollInterval + "\n"
                    + "offline:\n" + offlineSection
                    + PHOTOS_SCHEMA;
            try {
                Files.createDirectories(root);
                Files.writeString(file, yaml);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return file;
    }

    /**
     * Writes the config of device {@code name} with its records in PostgreSQL ({@code pgUrl},
     * as {@code user} with {@code password}, may be null) and its blobs in the fixture's shared
     * blob folder; {@code scoped} adds {@code $scope: familyId} to the photos table.
     */
    public Path postgresConfig(String name, String pgUrl, String password, String pollInterval, String policy,
                               boolean scoped) {
        Path file = root.resolve(name + ".yaml");
        String yaml = "data:\n  provider: postgres\n  config:\n    url: " + pgUrl + "\n"
                + (password == null ? "" : "    password: '" + password + "'\n")
                + "blobs:\n  provider: filesystem\n  config:\n    directory: " + hub().resolve("blobs") + "\n"
                + "cache:\n  directory: " + root.resolve("cache-" + name) + "\n"
                + "sync:\n  pollInterval: " + pollInterval + "\n  device: " + name + "\n"
                + "offline:\n  conflictResolution: " + policy + "\n  retryStrategy:\n    maxAttempts: 50\n"
                + "    initialDelay: 100ms\n    maxDelay: 500ms\n  uploadDelay: 100ms\n"
                + (scoped ? PHOTOS_SCHEMA.replace("    $folderName:", "    $scope: familyId\n    $folderName:")
                        : PHOTOS_SCHEMA);
        try {
            Files.createDirectories(root);
            Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    public EngineConfig load(String name) {
        return ConfigLoader.load(config(name));
    }

    public SyncEngine open(String name) {
        return SyncEngine.open(load(name));
    }

    /** The family id the test photos belong to. */
    public static final String FAMILY = "7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01";

    /** Writes a file of {@code size} random bytes (seeded) named {@code name} under the fixture's folder. */
    public Path randomFile(String name, int size, long seed) {
        byte[] b = new byte[size];
        new java.util.Random(seed).nextBytes(b);
        try {
            Files.createDirectories(root);
            return Files.write(root.resolve(name), b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fields of a complete photo of the test schema, with {@code image} as given. */
    public static java.util.Map<String, Object> photo(String title, Object image) {
        java.util.Map<String, Object> m = new java.util.HashMap<>();
        m.put("title", title);
        m.put("takenAt", "2026-07-04T10:00:00Z");
        m.put("familyId", FAMILY);
        m.put("image", image);
        return m;
    }

    /** Polls {@code condition} until it holds or {@code timeout} passes; true when it held. */
    public static boolean eventually(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}

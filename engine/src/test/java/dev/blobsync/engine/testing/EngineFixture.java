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

    public EngineConfig load(String name) {
        return ConfigLoader.load(config(name));
    }

    public SyncEngine open(String name) {
        return SyncEngine.open(load(name));
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

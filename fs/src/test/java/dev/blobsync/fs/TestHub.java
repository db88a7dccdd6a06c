package dev.blobsync.fs;

import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A hub folder and configs for engines that share it: what the mounted tests (and the CLI's)
 * run against. The schema is the photos table from the walking-skeleton issue plus a notes table
 * whose folder names come from one string field and a scans table whose names come from none.
 */
public final class TestHub {
    private final Path root;
    private final Path hub;
    private String cacheKeys = "";
    private String offlineKeys = "";
    private String pollInterval = "200ms";
    private String takenAt = "datetime";
    private String familyId = "uuid";

    /**
     * Writes photos as {@code blobsync init} does in configs written from now on: {@code takenAt}
     * defaults to {@code now} and {@code familyId} to one family id. A bare photo copied in is then
     * a complete record that syncs, and a new record's folder starts with today's date
     * ({@code 2026-11-30 Trip}).
     */
    public void photosAsInitWritesThem() {
        this.takenAt = "{ type: datetime, default: now }";
        this.familyId = "{ type: uuid, default: 7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01 }";
    }

    /** How often configs written from now on pull the hub (default 200ms). */
    public void pollInterval(String interval) {
        this.pollInterval = interval;
    }

    /**
     * Adds keys to the {@code cache} and {@code offline} sections of configs written from now on,
     * as flow-style pairs, e.g. {@code "maxSize: 2MB, minFreeDisk: 0"}.
     */
    public void tune(String cacheKeys, String offlineKeys) {
        this.cacheKeys = cacheKeys;
        this.offlineKeys = offlineKeys;
    }

    public TestHub(Path root) throws IOException {
        this.root = root;
        this.hub = Files.createDirectories(root.resolve("hub"));
    }

    public Path hub() {
        return hub;
    }

    /** Writes the config of a device with its own cache folder {@code cache-<device>}. */
    public Path config(String device) throws IOException {
        Path file = root.resolve("config-" + device + ".yaml");
        Files.writeString(file, yaml(hub, root.resolve("cache-" + device), cacheKeys, offlineKeys)
                .replace("pollInterval: 200ms", "pollInterval: " + pollInterval)
                .replace("takenAt: datetime", "takenAt: " + takenAt)
                .replace("familyId: uuid", "familyId: " + familyId));
        return file;
    }

    public SyncEngine openEngine(String device) throws IOException {
        Path config = config(device);
        return SyncEngine.open(ConfigLoader.parse(Files.readString(config), config));
    }

    /** Where a blob lands in the hub. */
    public Path blobInHub(String sha256) {
        return hub.resolve("blobs").resolve(sha256.substring(0, 2)).resolve(sha256);
    }

    public static String yaml(Path hub, Path cache) {
        return yaml(hub, cache, "", "");
    }

    static String yaml(Path hub, Path cache, String cacheKeys, String offlineKeys) {
        return "data:  { provider: sqlite, config: { hub: " + hub + " } }\n"
                + "blobs: { provider: filesystem, config: { hub: " + hub + " } }\n"
                + "cache: { directory: " + cache + (cacheKeys.isEmpty() ? "" : ", " + cacheKeys) + " }\n"
                + "offline: { uploadDelay: 100ms, retryStrategy: { initialDelay: 100ms, maxDelay: 500ms }"
                + (offlineKeys.isEmpty() ? "" : ", " + offlineKeys) + " }\n"
                + "sync:  { pollInterval: 200ms }\n"
                + "schema:\n"
                + "  photos:\n"
                + "    $folderName: \"{takenAt:yyyy-MM-dd} {title}\"\n"
                + "    id: uuid\n"
                + "    title: string\n"
                + "    takenAt: datetime\n"
                + "    familyId: uuid\n"
                + "    image: { type: blob, mimeTypes: ['image/*'] }\n"
                + "    audio: { type: blob, mimeTypes: ['audio/*'], optional: true }\n"
                + "  notes:\n"
                + "    $folderName: \"{title}\"\n"
                + "    id: uuid\n"
                + "    title: string\n"
                + "    body: { type: string, optional: true }\n"
                + "    attachment: { type: blob, mimeTypes: ['application/pdf'], optional: true }\n"
                + "  scans:\n"
                + "    $folderName: \"{pages}\"\n"
                + "    id: uuid\n"
                + "    pages: { type: int, optional: true }\n"
                + "    file: { type: blob, mimeTypes: ['application/pdf'], optional: true }\n";
    }
}

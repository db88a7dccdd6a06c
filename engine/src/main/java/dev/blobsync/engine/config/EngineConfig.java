package dev.blobsync.engine.config;

import dev.blobsync.engine.schema.Schema;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A whole, validated engine configuration, as read by {@link ConfigLoader}; the sections are
 * those of the RFC's {@code createSyncEngine({...})} plus {@code sync}.
 *
 * @param source  the configuration file, or {@code null} when it did not come from a file
 * @param data    the data provider for records
 * @param blobs   the blob provider
 * @param cache   the local blob cache
 * @param offline offline queueing, conflicts and retries
 * @param sync    the sync loop
 * @param schema  the tables
 */
public record EngineConfig(Path source, ProviderConfig data, ProviderConfig blobs, CacheConfig cache,
                           OfflineConfig offline, SyncConfig sync, Schema schema) {

    public EngineConfig {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(blobs, "blobs");
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(offline, "offline");
        Objects.requireNonNull(sync, "sync");
        Objects.requireNonNull(schema, "schema");
    }
}

package dev.blobsync.engine.provider;

import dev.blobsync.engine.config.ProviderConfig;
import dev.blobsync.engine.provider.filesystem.FilesystemBlobProvider;
import dev.blobsync.engine.provider.postgres.PostgresDataProvider;
import dev.blobsync.engine.provider.postgres.PostgresSettings;
import dev.blobsync.engine.provider.s3.S3BlobProvider;
import dev.blobsync.engine.provider.sqlite.SqliteHubDataProvider;
import dev.blobsync.engine.provider.tus.TusBlobProvider;
import dev.blobsync.engine.provider.tus.TusSettings;
import dev.blobsync.engine.spi.BlobProvider;
import dev.blobsync.engine.spi.DataProvider;
import dev.blobsync.engine.schema.Schema;
import dev.blobsync.engine.spi.ProviderException;

/**
 * Finds the provider a config names. The config loader has already checked the name and its
 * keys against the same list.
 */
public final class Providers {
    private Providers() {
    }

    /** Opens the data provider {@code pc} names; {@code schema} lays out backends with typed tables. */
    public static DataProvider data(ProviderConfig pc, Schema schema) throws ProviderException {
        return switch (pc.provider()) {
            case "sqlite" -> SqliteHubDataProvider.open(pc.requirePath("hub"), pc.bool("shared").orElse(false));
            case "postgres" -> PostgresDataProvider.open(PostgresSettings.from(pc), schema);
            default -> throw new IllegalStateException("no data provider named " + pc.provider());
        };
    }

    public static BlobProvider blobs(ProviderConfig pc) throws ProviderException {
        return switch (pc.provider()) {
            case "filesystem" -> FilesystemBlobProvider.open(
                    pc.path("directory").orElseGet(() -> pc.requirePath("hub").resolve("blobs")),
                    pc.bool("shared").orElse(false));
            case "s3" -> S3BlobProvider.open(pc);
            case "tus" -> TusBlobProvider.open(TusSettings.from(pc));
            default -> throw new IllegalStateException("no blob provider named " + pc.provider());
        };
    }
}

package dev.blobsync.engine.provider.sqlite;

import dev.blobsync.engine.spi.DataProvider;
import dev.blobsync.engine.spi.DataProviderContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteHubDataProviderTest extends DataProviderContract {
    @TempDir
    Path hub;

    @Override
    protected DataProvider openFirst() throws Exception {
        return SqliteHubDataProvider.open(hub);
    }

    @Override
    protected DataProvider openSecond() throws Exception {
        return SqliteHubDataProvider.open(hub);
    }
}

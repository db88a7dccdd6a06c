package dev.blobsync.engine.provider.sqlite;

import dev.blobsync.engine.spi.DataProvider;
import dev.blobsync.engine.spi.DataProviderContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteHubDataProviderTest extends DataProviderContract {
    /** A hub written before clocks: its records come with clock zero, and a later write beats them. */
    @org.junit.jupiter.api.Test
    void aHubFromBeforeClocksIsMigratedAndItsFieldsCountAsClockZero() throws Exception {
        java.nio.file.Path old = hub.resolveSibling(hub.getFileName() + "-old");
        java.nio.file.Files.createDirectories(old);
        java.util.UUID id = java.util.UUID.randomUUID();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + old.resolve("data.db"));
             java.sql.Statement st = c.createStatement()) {
            st.execute("CREATE TABLE records(tbl TEXT NOT NULL, id TEXT NOT NULL, rev INTEGER NOT NULL,"
                    + " deleted INTEGER NOT NULL, fields TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY(tbl, id))");
            st.execute("CREATE TABLE applied_mutations(mutation_id TEXT PRIMARY KEY, tbl TEXT NOT NULL, id TEXT NOT NULL)");
            st.execute("CREATE TABLE counter(k INTEGER PRIMARY KEY CHECK (k = 1), rev INTEGER NOT NULL)");
            st.execute("INSERT INTO counter VALUES (1, 1)");
            st.execute("INSERT INTO records VALUES ('photos', '" + id + "', 1, 0, '{\"title\":\"old\"}', 0)");
        }
        try (DataProvider p = SqliteHubDataProvider.open(old)) {
            dev.blobsync.engine.spi.RemoteRecord r = p.changesSince(null, 10).changes().get(0);
            org.assertj.core.api.Assertions.assertThat(r.clock("title")).isEqualTo(dev.blobsync.engine.spi.Hlc.ZERO);
            dev.blobsync.engine.spi.PushResult pr = p.push(java.util.List.of(
                    upsert(id, 1, fields("title", "new"), at(TEN, "a")))).get(0);
            org.assertj.core.api.Assertions.assertThat(pr.current().fields().get("title").asText()).isEqualTo("new");
        }
    }

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

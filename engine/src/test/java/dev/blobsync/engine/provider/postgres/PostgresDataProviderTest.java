package dev.blobsync.engine.provider.postgres;

import dev.blobsync.engine.config.ProviderConfig;
import dev.blobsync.engine.schema.Schema;
import dev.blobsync.engine.spi.DataProvider;
import dev.blobsync.engine.spi.DataProviderContract;
import dev.blobsync.engine.testing.PostgresServer;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;

/** The data provider contract against a real PostgreSQL, one fresh database per test. */
class PostgresDataProviderTest extends DataProviderContract {
    /** The contract's records: free-form fields, so every test field has a typed column. */
    static final Schema SCHEMA = Schema.fromTree(Map.of("photos", Map.of(
            "title", Map.of("type", "string", "optional", true),
            "note", Map.of("type", "string", "optional", true),
            "n", Map.of("type", "string", "optional", true))));

    private String db;

    @BeforeEach
    void database() {
        if (db == null) {
            db = PostgresServer.shared().newDatabase();
        }
    }

    private DataProvider openClient() {
        if (db == null) {
            database();
        }
        PostgresServer pg = PostgresServer.shared();
        ProviderConfig pc = new ProviderConfig("postgres", Map.of("url", pg.url("postgres", db)), "data", null);
        return PostgresDataProvider.open(PostgresSettings.from(pc), SCHEMA);
    }

    @Override
    protected DataProvider openFirst() {
        return openClient();
    }

    @Override
    protected DataProvider openSecond() {
        return openClient();
    }

    /** Every row write waits 0–20 ms before its transaction may commit, so commits land out of order. */
    @Override
    protected void slowCommitsRandomly() throws Exception {
        provider.changesSince(null, 1);
        PostgresServer.shared().superuserSql(db,
                "CREATE FUNCTION blobsync._slow() RETURNS trigger LANGUAGE plpgsql AS"
                        + " $f$ BEGIN PERFORM pg_sleep(random() * 0.02); RETURN NULL; END $f$",
                "CREATE TRIGGER _slow AFTER INSERT OR UPDATE ON blobsync.photos FOR EACH ROW"
                        + " EXECUTE FUNCTION blobsync._slow()");
    }
}

package dev.blobsync.engine.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.blobsync.engine.StorageException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStoreTest {
    @TempDir
    Path tmp;

    private static int userVersion(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            return rs.getInt(1);
        }
    }

    @Test
    void migrationsRunOnceAndDataSurvivesReopening() throws Exception {
        Path db = tmp.resolve("local.db");
        try (LocalStore s = LocalStore.open(db)) {
            s.write(c -> {
                LocalStore.putKv(c, "k", "v");
                return null;
            });
        }
        int version = userVersion(db);
        assertThat(version).isPositive();
        try (LocalStore s = LocalStore.open(db)) {
            assertThat(s.kv("k")).isEqualTo("v");
            String mode = s.read(c -> {
                try (Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
                    return rs.getString(1);
                }
            });
            assertThat(mode).isEqualTo("wal");
        }
        assertThat(userVersion(db)).isEqualTo(version);
    }

    @Test
    void aStoreFromANewerVersionIsRefusedWithAReason() throws Exception {
        Path db = tmp.resolve("local.db");
        LocalStore.open(db).close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("PRAGMA user_version = 999");
        }
        assertThatThrownBy(() -> LocalStore.open(db)).isInstanceOf(StorageException.class)
                .hasMessageContaining("newer blobsync").hasMessageContaining(db.toString());
    }

    @Test
    void aFailedUnitOfWorkChangesNothing() {
        try (LocalStore s = LocalStore.open(tmp.resolve("local.db"))) {
            assertThatThrownBy(() -> s.write(c -> {
                LocalStore.putKv(c, "k", "v");
                throw new IllegalStateException("boom");
            })).hasMessage("boom");
            assertThat(s.kv("k")).isNull();
        }
    }

    @Test
    void countersIncreaseAcrossTransactions() {
        try (LocalStore s = LocalStore.open(tmp.resolve("local.db"))) {
            long a = s.write(c -> LocalStore.nextCounter(c, "seq"));
            long b = s.write(c -> LocalStore.nextCounter(c, "seq"));
            assertThat(b).isGreaterThan(a);
        }
    }
}

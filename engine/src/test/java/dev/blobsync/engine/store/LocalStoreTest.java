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
    void aUnitOfWorkWhoseTransactionSqliteEndedItselfReportsItsOwnFailureAndTheNextOneWorks() {
        // After a full disk or an I/O error SQLite rolls the transaction back by itself; the
        // store's own ROLLBACK then finds none. The caller must see the first failure, and the
        // connection must be usable again, never stuck in "no transaction is active".
        try (LocalStore s = LocalStore.open(tmp.resolve("local.db"))) {
            assertThatThrownBy(() -> s.write(c -> {
                LocalStore.putKv(c, "k", "lost");
                try (Statement st = c.createStatement()) {
                    st.execute("ROLLBACK");
                }
                throw new IllegalStateException("the disk is full");
            })).hasMessage("the disk is full").hasNoSuppressedExceptions();
            s.write(c -> {
                LocalStore.putKv(c, "k", "kept");
                return null;
            });
            assertThat(s.kv("k")).isEqualTo("kept");
        }
    }

    @Test
    void aStoreOnAFullDiskFailsWithQuotaExceededSayingSoAndWorksOnceThereIsRoom() throws Exception {
        Path disk = java.nio.file.Files.createDirectories(tmp.resolve("disk"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", disk.toString())
                .redirectErrorStream(true).start();
        String why = new String(mount.getInputStream().readAllBytes());
        if (mount.waitFor() != 0) {
            if ("true".equals(System.getenv("CI"))) {
                org.junit.jupiter.api.Assertions.fail("cannot mount a tmpfs (needs root): " + why);
            }
            org.junit.jupiter.api.Assumptions.abort("cannot mount a tmpfs (needs root): " + why);
        }
        try (LocalStore s = LocalStore.open(disk.resolve("local.db"))) {
            Path filler = disk.resolve("filler");
            try (var out = java.nio.file.Files.newOutputStream(filler)) {
                byte[] mb = new byte[1 << 16];
                while (true) {
                    out.write(mb);
                }
            } catch (java.io.IOException full) {
                // The disk is full now.
            }
            String big = "x".repeat(200_000);
            for (int i = 0; i < 3; i++) {
                int n = i;
                assertThatThrownBy(() -> s.write(c -> {
                    LocalStore.putKv(c, "big" + n, big);
                    return null;
                })).isInstanceOf(dev.blobsync.engine.QuotaExceededException.class)
                        .hasMessageContaining("is full").hasMessageContaining(disk.toString())
                        .hasMessageNotContaining("no transaction is active");
            }
            java.nio.file.Files.delete(filler);
            s.write(c -> {
                LocalStore.putKv(c, "after", "room");
                return null;
            });
            assertThat(s.kv("after")).isEqualTo("room");
        } finally {
            new ProcessBuilder("umount", disk.toString()).start().waitFor();
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

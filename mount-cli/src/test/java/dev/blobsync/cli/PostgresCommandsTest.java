package dev.blobsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code init --data postgres://…} writes a config that works; {@code add-member} prints one that does too. */
class PostgresCommandsTest {
    private static final String FAMILY_A = "7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01";
    private static final String FAMILY_B = "0e6f5a43-2c11-4f0e-8f1e-3d1f5b9b2b02";

    @TempDir
    Path tmp;

    private static Map<String, Object> photo(String title, String family, Path image) {
        Map<String, Object> m = new HashMap<>();
        m.put("title", title);
        m.put("familyId", family);
        m.put("image", image);
        return m;
    }

    @Test
    void initWithPostgresDataWritesAConfigThatSyncsRecordsIntoTheDatabase() throws Exception {
        PostgresServer pg = PostgresServer.shared();
        String db = pg.newDatabase();
        Path config = tmp.resolve("blobsync.yaml");
        CliRun r = CliRun.of("init", "--data", pg.url("postgres", db), "--blobs-dir", tmp.resolve("blobs").toString(),
                config.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("add-member");
        assertThat(Files.readString(config)).contains("provider: postgres").contains("$scope: familyId");

        Path image = Files.write(tmp.resolve("a.jpg"), new byte[] {1, 2, 3});
        try (SyncEngine e = SyncEngine.open(ConfigLoader.load(config))) {
            e.table("photos").insert(photo("From init", FAMILY_A, image));
            assertThat(e.flush(Duration.ofSeconds(30))).isTrue();
        }
        try (Connection c = pg.superuser(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT title FROM blobsync.photos")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("From init");
        }
    }

    @Test
    void addMemberPrintsADeviceConfigThatSeesOnlyItsScope() throws Exception {
        PostgresServer pg = PostgresServer.shared();
        String db = pg.newDatabase();
        Path owner = tmp.resolve("owner.yaml");
        assertThat(CliRun.of("init", "--data", pg.url("postgres", db), "--blobs-dir", tmp.resolve("blobs").toString(),
                "--cache", tmp.resolve("cache-owner").toString(), owner.toString()).code()).isZero();
        Path image = Files.write(tmp.resolve("a.jpg"), new byte[] {1, 2, 3});
        try (SyncEngine e = SyncEngine.open(ConfigLoader.load(owner))) {
            e.table("photos").insert(photo("Family A", FAMILY_A, image));
            e.table("photos").insert(photo("Family B", FAMILY_B, image));
            assertThat(e.flush(Duration.ofSeconds(30))).isTrue();
        }

        CliRun r = CliRun.of("postgres", "add-member", "--config", owner.toString(), "--scope", FAMILY_A,
                "--role", "alice");
        assertThat(r.code()).as(r.err()).isZero();
        Matcher pw = Pattern.compile("shown once[^\\n]*\\n\\s+(\\S+)").matcher(r.out());
        assertThat(pw.find()).as(r.out()).isTrue();
        String password = pw.group(1);
        String snippet = r.out().substring(r.out().indexOf("data:\n"), r.out().indexOf("with the same blobs"));
        assertThat(snippet).contains("postgres://alice@").doesNotContain(password);

        String ownerYaml = Files.readString(owner);
        String device = snippet.replace("${BLOBSYNC_PG_PASSWORD}", "'" + password + "'")
                + ownerYaml.substring(ownerYaml.indexOf("blobs:")).replace(tmp.resolve("cache").toString(),
                        tmp.resolve("cache-alice").toString());
        Path alice = Files.writeString(tmp.resolve("alice.yaml"), device);
        try (SyncEngine e = SyncEngine.open(ConfigLoader.load(alice))) {
            assertThat(e.flush(Duration.ofSeconds(30))).isTrue();
            assertThat(e.table("photos").list()).extracting(x -> x.get("title")).containsExactly("Family A");
        }

        CliRun again = CliRun.of("postgres", "add-member", "--config", owner.toString(), "--scope", FAMILY_B,
                "--role", "alice");
        assertThat(again.code()).isZero();
        assertThat(again.out()).contains("keeps the password");
    }

    @Test
    void addMemberOnAHubConfigSaysItNeedsPostgres() throws Exception {
        Path config = tmp.resolve("hub.yaml");
        assertThat(CliRun.of("init", "--hub", tmp.resolve("hub").toString(), config.toString()).code()).isZero();
        CliRun r = CliRun.of("postgres", "add-member", "--config", config.toString(), "--scope", FAMILY_A,
                "--role", "alice");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("needs data.provider postgres");
    }
}

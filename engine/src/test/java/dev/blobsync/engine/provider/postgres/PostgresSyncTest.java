package dev.blobsync.engine.provider.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.blobsync.engine.Record;
import dev.blobsync.engine.RecordState;
import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.event.Offline;
import dev.blobsync.engine.event.Online;
import dev.blobsync.engine.testing.EngineFixture;
import dev.blobsync.engine.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Engines on a real PostgreSQL: changes travel by NOTIFY, survive an outage, and stay in their scope. */
class PostgresSyncTest {
    private static final String FAMILY_A = "7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01";
    private static final String FAMILY_B = "0e6f5a43-2c11-4f0e-8f1e-3d1f5b9b2b02";

    @TempDir
    Path tmp;

    private static SyncEngine open(Path config) {
        return SyncEngine.open(ConfigLoader.load(config));
    }

    private static Map<String, Object> photo(String title, String family, Path image) {
        Map<String, Object> m = new java.util.HashMap<>(EngineFixture.photo(title, image));
        m.put("familyId", family);
        return m;
    }

    @Test
    void aChangeReachesTheOtherDeviceByNotifyWithoutWaitingForAPoll() throws Exception {
        PostgresServer pg = PostgresServer.shared();
        String db = pg.newDatabase();
        EngineFixture fx = new EngineFixture(tmp);
        Path image = fx.randomFile("beach.jpg", 300_000, 7);
        // A poll interval of an hour: only the notification can bring the change in time.
        try (SyncEngine a = open(fx.postgresConfig("a", pg.url("postgres", db), null, "1h", "last-write-wins", false));
             SyncEngine b = open(fx.postgresConfig("b", pg.url("postgres", db), null, "1h", "last-write-wins", false))) {
            assertThat(EngineFixture.eventually(Duration.ofSeconds(20), () -> a.offline().stats().dataOnline()
                    && b.offline().stats().dataOnline())).isTrue();
            Record r = a.table("photos").insert(EngineFixture.photo("Beach", image));
            assertThat(EngineFixture.eventually(Duration.ofSeconds(20), () -> b.table("photos").get(r.id()).isPresent()))
                    .as("B sees A's record without polling").isTrue();
            Record onB = b.table("photos").get(r.id()).orElseThrow();
            assertThat(onB.get("title")).isEqualTo("Beach");
            assertThat(dev.blobsync.engine.ClockConflictTestAccess.readAll(b, onB.blob("image")))
                    .isEqualTo(Files.readAllBytes(image));

            b.table("photos").update(r.id(), Map.of("title", "Beach, edited on B"));
            assertThat(EngineFixture.eventually(Duration.ofSeconds(20),
                    () -> "Beach, edited on B".equals(a.table("photos").get(r.id()).orElseThrow().get("title"))))
                    .as("and back").isTrue();
        }
    }

    @Test
    void whileTheDatabaseIsDownBothDevicesWorkAndTheyConvergeWhenItIsBack() throws Exception {
        EngineFixture fx = new EngineFixture(tmp);
        try (PostgresServer pg = PostgresServer.ownServer(tmp.resolve("pgdata"))) {
            String db = pg.newDatabase();
            try (SyncEngine a = open(fx.postgresConfig("a", pg.url("postgres", db), null, "200ms", "last-write-wins", false));
                 SyncEngine b = open(fx.postgresConfig("b", pg.url("postgres", db), null, "200ms", "last-write-wins",
                         false))) {
                List<Object> events = new CopyOnWriteArrayList<>();
                a.on(Offline.class, events::add);
                a.on(Online.class, events::add);
                Record shared = a.table("photos").insert(EngineFixture.photo("Shared", fx.randomFile("s.jpg", 5000, 1)));
                assertThat(a.flush(Duration.ofSeconds(20))).isTrue();
                assertThat(EngineFixture.eventually(Duration.ofSeconds(20),
                        () -> b.table("photos").get(shared.id()).isPresent())).isTrue();

                pg.stop();
                Record fromA = a.table("photos").insert(EngineFixture.photo("Made on A offline",
                        fx.randomFile("a.jpg", 5000, 2)));
                b.table("photos").update(shared.id(), Map.of("title", "Renamed on B offline"));
                assertThat(EngineFixture.eventually(Duration.ofSeconds(30), () -> !a.offline().stats().dataOnline()
                        && !b.offline().stats().dataOnline())).as("both say offline").isTrue();
                assertThat(events).anyMatch(e -> e instanceof Offline);
                assertThat(a.table("photos").get(fromA.id()).orElseThrow().state()).isEqualTo(RecordState.QUEUED);
                assertThat(b.table("photos").get(shared.id()).orElseThrow().get("title"))
                        .isEqualTo("Renamed on B offline");

                pg.start();
                assertThat(EngineFixture.eventually(Duration.ofSeconds(90), () ->
                        b.table("photos").get(fromA.id()).isPresent()
                                && "Renamed on B offline".equals(a.table("photos").get(shared.id()).orElseThrow()
                                        .get("title"))
                                && a.offline().stats().empty() && b.offline().stats().empty()))
                        .as("converged with no user action").isTrue();
                assertThat(a.offline().stats().dataOnline()).isTrue();
                assertThat(events.get(events.size() - 1)).isInstanceOf(Online.class);
            }
        }
    }

    @Test
    void aFamilyMemberSeesAndChangesOnlyItsFamilysRecordsThroughBlobsyncAndThroughSql() throws Exception {
        PostgresServer pg = PostgresServer.shared();
        String db = pg.newDatabase();
        EngineFixture fx = new EngineFixture(tmp);
        Path ownerConfig = fx.postgresConfig("owner", pg.url("postgres", db), null, "200ms", "last-write-wins", true);
        PostgresSettings owner = PostgresSettings.from(ConfigLoader.load(ownerConfig).data());
        dev.blobsync.engine.schema.Schema schema = ConfigLoader.load(ownerConfig).schema();
        PostgresMembers.Member alice = PostgresMembers.add(owner, schema, "alice", List.of(FAMILY_A), false);
        PostgresMembers.Member bob = PostgresMembers.add(owner, schema, "bob", List.of(FAMILY_B), false);
        assertThat(alice.password()).isNotBlank();

        try (SyncEngine a = open(fx.postgresConfig("alice", pg.url("alice", db), alice.password(), "200ms",
                "last-write-wins", true));
             SyncEngine b = open(fx.postgresConfig("bob", pg.url("bob", db), bob.password(), "200ms",
                     "last-write-wins", true))) {
            Record aPhoto = a.table("photos").insert(photo("Family A", FAMILY_A, fx.randomFile("a.jpg", 2000, 1)));
            Record bPhoto = b.table("photos").insert(photo("Family B", FAMILY_B, fx.randomFile("b.jpg", 2000, 2)));
            Record sneaky = b.table("photos").insert(photo("Bob into A", FAMILY_A, fx.randomFile("c.jpg", 2000, 3)));
            assertThat(a.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(EngineFixture.eventually(Duration.ofSeconds(20),
                    () -> b.table("photos").get(sneaky.id()).orElseThrow().state() == RecordState.ERROR)).isTrue();
            assertThat(b.table("photos").get(sneaky.id()).orElseThrow().error()).contains("row-level security");
            assertThat(b.table("photos").get(bPhoto.id()).orElseThrow().state()).isEqualTo(RecordState.SYNCED);
            assertThat(a.flush(Duration.ofSeconds(20))).isTrue();

            assertThat(a.table("photos").list()).extracting(Record::id).containsExactly(aPhoto.id());
            assertThat(b.table("photos").list()).extracting(Record::id)
                    .containsExactlyInAnyOrder(bPhoto.id(), sneaky.id());
            assertThat(b.table("photos").get(aPhoto.id())).isEmpty();
        }

        try (Connection c = pg.as(db, "bob", bob.password()); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT title FROM blobsync.photos")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("Family B");
                assertThat(rs.next()).as("bob's SQL sees only family B").isFalse();
            }
            assertThat(st.executeUpdate("UPDATE blobsync.photos SET title = 'hacked' WHERE \"familyId\" = '"
                    + FAMILY_A + "'")).isZero();
            assertThatThrownBy(() -> st.executeUpdate("UPDATE blobsync.photos SET \"familyId\" = '" + FAMILY_A + "'"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("row-level security");
            assertThatThrownBy(() -> st.executeUpdate("INSERT INTO blobsync._scope_members VALUES ('bob', '"
                    + FAMILY_A + "')")).isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
            assertThatThrownBy(() -> st.executeUpdate("ALTER TABLE blobsync.photos DISABLE ROW LEVEL SECURITY"))
                    .isInstanceOf(SQLException.class);
        }
        try (Connection c = pg.superuser(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT title FROM blobsync.photos WHERE \"familyId\" = '" + FAMILY_A + "'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).as("family A's record is untouched").isEqualTo("Family A");
            assertThat(rs.next()).isFalse();
        }
        assertThatThrownBy(() -> pg.as(db, "alice", "wrong password")).isInstanceOf(SQLException.class);
    }
}

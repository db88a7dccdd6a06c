package dev.blobsync.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.provider.sqlite.SqliteHubDataProvider;
import dev.blobsync.engine.spi.DataProvider;
import dev.blobsync.engine.spi.Mutation;
import dev.blobsync.engine.spi.PushResult;
import dev.blobsync.engine.spi.RemoteRecord;
import dev.blobsync.engine.testing.EngineFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConflictTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void concurrentEditsMergePerFieldAndTheLosingVersionIsKept() throws Exception {
        EngineFixture fixture = new EngineFixture(tmp);
        Path image = tmp.resolve("c.jpg");
        Files.write(image, new byte[] {1, 2, 3});
        // A long poll interval: device A does not learn of the remote edit before its own push.
        try (SyncEngine a = SyncEngine.open(ConfigLoader.load(fixture.config("a", "1h")))) {
            Record r = a.table("photos").insert(Map.of("title", "Original", "takenAt", "2026-01-01T00:00:00Z",
                    "familyId", UUID.randomUUID().toString(), "image", image));
            assertThat(a.flush(Duration.ofSeconds(15))).isTrue();
            long rev = a.table("photos").get(r.id()).orElseThrow().rev();

            try (DataProvider other = SqliteHubDataProvider.open(fixture.hub())) {
                ObjectNode change = JSON.createObjectNode().put("title", "Theirs").put("takenAt", "2025-12-31T00:00:00Z");
                dev.blobsync.engine.spi.Hlc now = new dev.blobsync.engine.spi.Hlc(System.currentTimeMillis(), 0, "other");
                PushResult pr = other.push(List.of(new Mutation(UUID.randomUUID().toString(), "photos", r.id(), rev,
                        Mutation.Op.UPSERT, change, Map.of("title", now, "takenAt", now)))).get(0);
                assertThat(pr.status()).isEqualTo(PushResult.Status.APPLIED);
            }

            java.util.List<dev.blobsync.engine.event.Conflict> told = new java.util.concurrent.CopyOnWriteArrayList<>();
            a.on(dev.blobsync.engine.event.Conflict.class, told::add);
            a.table("photos").update(r.id(), Map.of("title", "Mine"));
            assertThat(a.flush(Duration.ofSeconds(15))).isTrue();

            Record merged = a.table("photos").get(r.id()).orElseThrow();
            assertThat(merged.get("title")).as("our later write wins the field we changed").isEqualTo("Mine");
            assertThat(merged.get("takenAt").toString()).as("their change to another field is kept")
                    .isEqualTo("2025-12-31T00:00:00Z");
            assertThat(merged.state()).isEqualTo(RecordState.SYNCED);

            try (DataProvider check = SqliteHubDataProvider.open(fixture.hub())) {
                RemoteRecord hub = check.changesSince(null, 100).changes().stream()
                        .filter(c -> c.id().equals(r.id())).reduce((x, y) -> y).orElseThrow();
                assertThat(hub.fields().get("title").asText()).isEqualTo("Mine");
                assertThat(hub.fields().get("takenAt").asText()).isEqualTo("2025-12-31T00:00:00Z");
            }

            Path local = a.config().cache().directory().resolve("local.db");
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + local);
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT remote_fields FROM conflicts WHERE id = '" + r.id() + "'")) {
                assertThat(rs.next()).as("the losing version is kept").isTrue();
                assertThat(rs.getString(1)).contains("Theirs");
            }
            // The losing version is retrievable through the API, and the conflict was announced.
            assertThat(a.conflicts(10)).singleElement().satisfies(cv -> {
                assertThat(cv.id()).isEqualTo(r.id());
                assertThat(cv.resolution()).isEqualTo("last-write-wins");
                assertThat(cv.remote()).containsEntry("title", "Theirs");
                assertThat(cv.local()).containsEntry("title", "Mine");
            });
            assertThat(EngineFixture.eventually(Duration.ofSeconds(5), () -> !told.isEmpty())).isTrue();
            assertThat(told.get(0).id()).isEqualTo(r.id());
        }
    }
}

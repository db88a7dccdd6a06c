package dev.blobsync.engine;

import static dev.blobsync.engine.testing.EngineFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.blobsync.engine.testing.EngineFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PendingWriteTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path tmp;
    EngineFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = new EngineFixture(tmp);
    }

    private Map<String, Object> photo(String title) throws Exception {
        Path image = tmp.resolve(title + ".jpg");
        Files.write(image, title.getBytes());
        return Map.of("title", title, "takenAt", "2026-07-04T10:00:00Z",
                "familyId", "7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01", "image", image);
    }

    @Test
    void insertReturnsTheOptimisticRecordAtOnceAndItsFutureCompletesWhenTheHubHasIt() throws Exception {
        try (SyncEngine a = fixture.open("a"); SyncEngine b = fixture.open("b")) {
            PendingWrite w = a.table("photos").insertAsync(photo("Beach Day"));
            assertThat(w.record().state()).isEqualTo(RecordState.QUEUED);
            assertThat(w.record().rev()).isZero();

            Record synced = w.synced().get(15, TimeUnit.SECONDS);
            assertThat(synced.state()).isEqualTo(RecordState.SYNCED);
            assertThat(synced.id()).isEqualTo(w.record().id());
            assertThat(synced.rev()).isPositive();
            assertThat(eventually(WAIT, () -> b.table("photos").get(synced.id()).isPresent())).isTrue();

            PendingWrite update = a.table("photos").updateAsync(synced.id(), Map.of("title", "Sunset"));
            assertThat(update.record().get("title")).isEqualTo("Sunset");
            assertThat(update.synced().get(15, TimeUnit.SECONDS).rev()).isGreaterThan(synced.rev());

            CompletableFuture<Void> deleted = a.table("photos").deleteAsync(synced.id());
            assertThat(a.table("photos").get(synced.id())).isEmpty();
            deleted.get(15, TimeUnit.SECONDS);
            assertThat(eventually(WAIT, () -> b.table("photos").get(synced.id()).isEmpty())).isTrue();
        }
    }

    @Test
    void aChangeThatServerWinsDropsCompletesItsFutureWithAConflict() throws Exception {
        // Device a pulls only when it writes (hourly otherwise), so its update is pushed on a stale revision.
        fixture.config("a", "1h", "  conflictResolution: server-wins\n  uploadDelay: 0s\n");
        try (SyncEngine a = fixture.open("a"); SyncEngine b = fixture.open("b")) {
            Record r = a.table("photos").insertAsync(photo("Original")).synced().get(15, TimeUnit.SECONDS);
            assertThat(eventually(WAIT, () -> b.table("photos").get(r.id()).isPresent())).isTrue();
            b.table("photos").delete(r.id());
            assertThat(b.flush(WAIT)).isTrue();

            PendingWrite lost = a.table("photos").updateAsync(r.id(), Map.of("title", "Mine"));
            assertThat(lost.record().get("title")).isEqualTo("Mine");
            assertThatThrownBy(() -> lost.synced().get(15, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(ConflictException.class)
                    .hasMessageContaining("server-wins");
            assertThat(a.table("photos").get(r.id())).isEmpty();
        }
    }

    @Test
    void closingTheEngineCancelsFuturesOfChangesStillQueued() throws Exception {
        fixture.config("a", "200ms", "  uploadDelay: 1h\n");
        PendingWrite w;
        try (SyncEngine a = fixture.open("a")) {
            w = a.table("photos").insertAsync(photo("Waiting"));
            Thread.sleep(300);
            assertThat(w.synced()).isNotDone();
        }
        assertThat(w.synced()).isCancelled();
        try (SyncEngine again = fixture.open("a")) {
            assertThat(again.offline().stats().changes()).isEqualTo(1);
        }
    }
}

package dev.blobsync.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.blobsync.engine.event.ConflictResolved;
import dev.blobsync.engine.testing.EngineFixture;
import dev.blobsync.engine.testing.ManualTime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two devices on one hub, each with its own clock (a {@link ManualTime}, moved by the test) and
 * a data cable the test can pull: concurrent offline edits settle by per-field clocks, not by
 * who pushes first, and under every policy the version that did not win stays retrievable.
 */
class ClockConflictTest {
    private static final Instant NINE = Instant.parse("2026-07-04T09:00:00Z");
    private static final Duration HOUR = Duration.ofHours(1);

    @TempDir
    Path tmp;

    private TestEngines.Pluggable device(EngineFixture fixture, String name, ManualTime time, String policy) {
        Path config = fixture.config(name, "1h", "  conflictResolution: " + policy + "\n"
                + "  retryStrategy:\n    maxAttempts: 50\n    initialDelay: 100ms\n    maxDelay: 500ms\n"
                + "  uploadDelay: 100ms\n");
        return TestEngines.openPluggable(dev.blobsync.engine.config.ConfigLoader.load(config), time);
    }

    private static void flush(TestEngines.Pluggable d) {
        assertThat(d.engine().flush(Duration.ofSeconds(20))).as("flush of %s", d.engine().device()).isTrue();
    }

    private static Record get(TestEngines.Pluggable d, UUID id) {
        return d.engine().table("photos").get(id).orElseThrow();
    }

    @Test
    void anOfflineEditMadeAtTenAndPushedAtNoonLosesToAnEditMadeAtElevenElsewhere() throws Exception {
        EngineFixture fixture = new EngineFixture(tmp);
        ManualTime ta = new ManualTime(NINE);
        ManualTime tb = new ManualTime(NINE);
        try (TestEngines.Pluggable a = device(fixture, "a", ta, "last-write-wins");
             TestEngines.Pluggable b = device(fixture, "b", tb, "last-write-wins")) {
            Record r = a.engine().table("photos").insert(EngineFixture.photo("Original",
                    fixture.randomFile("p.jpg", 1000, 1)));
            flush(a);
            flush(b);
            assertThat(get(b, r.id()).get("title")).isEqualTo("Original");

            a.cable().unplug();
            ta.advance(HOUR);
            a.engine().table("photos").update(r.id(), Map.of("title", "A, offline at ten"));
            tb.advance(HOUR.multipliedBy(2));
            b.engine().table("photos").update(r.id(), Map.of("title", "B at eleven",
                    "takenAt", "2026-07-03T08:00:00Z"));
            flush(b);
            ta.advance(HOUR.multipliedBy(2));
            a.cable().plugIn();
            flush(a);
            flush(b);

            for (TestEngines.Pluggable d : List.of(a, b)) {
                Record now = get(d, r.id());
                assertThat(now.get("title")).as("on %s", d.engine().device()).isEqualTo("B at eleven");
                assertThat(now.get("takenAt")).isEqualTo(Instant.parse("2026-07-03T08:00:00Z"));
                assertThat(now.state()).isEqualTo(RecordState.SYNCED);
            }
            assertThat(a.engine().conflicts(10)).singleElement().satisfies(c -> {
                assertThat(c.fields()).containsExactly("title");
                assertThat(c.winner()).isEqualTo("remote");
                assertThat(c.remoteDevice()).isEqualTo(b.engine().device());
                assertThat(c.local()).as("the losing version is kept").containsEntry("title", "A, offline at ten");
                assertThat(c.mine().get("title")).isEqualTo("A, offline at ten");
                assertThat(c.theirs().get("title")).isEqualTo("B at eleven");
            });
        }
    }

    @Test
    void theLaterEditWinsWhoeverPushesFirst() throws Exception {
        EngineFixture fixture = new EngineFixture(tmp);
        ManualTime ta = new ManualTime(NINE);
        ManualTime tb = new ManualTime(NINE);
        try (TestEngines.Pluggable a = device(fixture, "a", ta, "last-write-wins");
             TestEngines.Pluggable b = device(fixture, "b", tb, "last-write-wins")) {
            Record r = a.engine().table("photos").insert(EngineFixture.photo("Original",
                    fixture.randomFile("p.jpg", 1000, 1)));
            flush(a);
            flush(b);
            a.cable().unplug();
            ta.advance(HOUR.multipliedBy(2));
            a.engine().table("photos").update(r.id(), Map.of("title", "A at eleven"));
            tb.advance(HOUR);
            b.engine().table("photos").update(r.id(), Map.of("title", "B at ten"));
            flush(b);
            a.cable().plugIn();
            flush(a);
            flush(b);
            assertThat(get(a, r.id()).get("title")).isEqualTo("A at eleven");
            assertThat(get(b, r.id()).get("title")).isEqualTo("A at eleven");
            assertThat(a.engine().conflicts(10)).singleElement().satisfies(c -> {
                assertThat(c.winner()).isEqualTo("local");
                assertThat(c.remote()).as("B's losing version is kept on A").containsEntry("title", "B at ten");
            });
        }
    }

    @Test
    void editsOfDifferentFieldsMergeWithoutAConflict() throws Exception {
        EngineFixture fixture = new EngineFixture(tmp);
        ManualTime ta = new ManualTime(NINE);
        ManualTime tb = new ManualTime(NINE);
        try (TestEngines.Pluggable a = device(fixture, "a", ta, "manual");
             TestEngines.Pluggable b = device(fixture, "b", tb, "manual")) {
            Record r = a.engine().table("photos").insert(EngineFixture.photo("Original",
                    fixture.randomFile("p.jpg", 1000, 1)));
            flush(a);
            flush(b);
            a.cable().unplug();
            a.engine().table("photos").update(r.id(), Map.of("title", "New title"));
            b.engine().table("photos").update(r.id(), Map.of("takenAt", "2020-01-01T00:00:00Z"));
            flush(b);
            a.cable().plugIn();
            flush(a);
            flush(b);
            for (TestEngines.Pluggable d : List.of(a, b)) {
                assertThat(get(d, r.id()).get("title")).isEqualTo("New title");
                assertThat(get(d, r.id()).get("takenAt")).isEqualTo(Instant.parse("2020-01-01T00:00:00Z"));
                assertThat(d.engine().conflicts(10)).isEmpty();
            }
        }
    }

    @Test
    void serverWinsKeepsTheProvidersValueAndTheDroppedOne() throws Exception {
        EngineFixture fixture = new EngineFixture(tmp);
        ManualTime ta = new ManualTime(NINE);
        ManualTime tb = new ManualTime(NINE);
        try (TestEngines.Pluggable a = device(fixture, "a", ta, "server-wins");
             TestEngines.Pluggable b = device(fixture, "b", tb, "server-wins")) {
            Record r = a.engine().table("photos").insert(EngineFixture.photo("Original",
                    fixture.randomFile("p.jpg", 1000, 1)));
            flush(a);
            flush(b);
            a.cable().unplug();
            ta.advance(HOUR.multipliedBy(3));
            PendingWrite late = a.engine().table("photos").updateAsync(r.id(), Map.of("title", "A, later"));
            b.engine().table("photos").update(r.id(), Map.of("title", "B, earlier"));
            flush(b);
            a.cable().plugIn();
            flush(a);
            flush(b);
            assertThat(get(a, r.id()).get("title")).isEqualTo("B, earlier");
            assertThat(get(b, r.id()).get("title")).isEqualTo("B, earlier");
            assertThatThrownBy(() -> late.synced().get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(ConflictException.class);
            assertThat(a.engine().conflicts(10)).singleElement().satisfies(c -> {
                assertThat(c.winner()).isEqualTo("remote");
                assertThat(c.local()).containsEntry("title", "A, later");
            });
        }
    }

    @Test
    void aDeleteOlderThanAnEditElsewhereLosesAndTheDeletedVersionIsKept() throws Exception {
        EngineFixture fixture = new EngineFixture(tmp);
        ManualTime ta = new ManualTime(NINE);
        ManualTime tb = new ManualTime(NINE);
        try (TestEngines.Pluggable a = device(fixture, "a", ta, "last-write-wins");
             TestEngines.Pluggable b = device(fixture, "b", tb, "last-write-wins")) {
            Record r = a.engine().table("photos").insert(EngineFixture.photo("Original",
                    fixture.randomFile("p.jpg", 1000, 1)));
            flush(a);
            flush(b);
            a.cable().unplug();
            ta.advance(HOUR);
            a.engine().table("photos").delete(r.id());
            tb.advance(HOUR.multipliedBy(2));
            b.engine().table("photos").update(r.id(), Map.of("title", "Still wanted"));
            flush(b);
            a.cable().plugIn();
            flush(a);
            flush(b);
            assertThat(get(a, r.id()).get("title")).isEqualTo("Still wanted");
            assertThat(b.engine().table("photos").get(r.id())).isPresent();
            assertThat(a.engine().conflicts(10)).singleElement().satisfies(c -> {
                assertThat(c.winner()).isEqualTo("remote");
                assertThat(c.mine()).as("this device had deleted it").isNull();
            });
        }
    }

    @Test
    void manualKeepsBothVersionsUntilAChoiceSettlesEachField() throws Exception {
        EngineFixture fixture = new EngineFixture(tmp);
        ManualTime ta = new ManualTime(NINE);
        ManualTime tb = new ManualTime(NINE);
        Path mineImage = fixture.randomFile("mine.jpg", 3000, 2);
        Path theirImage = fixture.randomFile("theirs.jpg", 4000, 3);
        try (TestEngines.Pluggable a = device(fixture, "a", ta, "manual");
             TestEngines.Pluggable b = device(fixture, "b", tb, "manual")) {
            Record r = a.engine().table("photos").insert(EngineFixture.photo("Original",
                    fixture.randomFile("p.jpg", 1000, 1)));
            flush(a);
            flush(b);
            List<ConflictResolved> settled = new CopyOnWriteArrayList<>();
            a.engine().on(ConflictResolved.class, settled::add);

            a.cable().unplug();
            PendingWrite w = a.engine().table("photos").updateAsync(r.id(),
                    Map.of("title", "Mine", "image", mineImage));
            b.engine().table("photos").update(r.id(), Map.of("title", "Theirs", "image", theirImage));
            flush(b);
            a.cable().plugIn();
            flush(a);

            Record shown = get(a, r.id());
            assertThat(shown.state()).isEqualTo(RecordState.CONFLICT);
            assertThat(shown.get("title")).as("this device's version is shown meanwhile").isEqualTo("Mine");
            assertThatThrownBy(() -> w.synced().get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ConflictException.class)
                    .hasMessageContaining("manual");
            assertThat(a.engine().offline().stats().conflicts()).isEqualTo(1);
            ConflictVersion open = a.engine().openConflict("photos", r.id()).orElseThrow();
            assertThat(open.open()).isTrue();
            assertThat(open.fields()).containsExactlyInAnyOrder("title", "image");
            assertThat(open.remoteDevice()).isEqualTo(b.engine().device());
            assertThat(open.theirs().get("title")).isEqualTo("Theirs");
            assertThat(open.mine().get("title")).isEqualTo("Mine");
            assertThat(readAll(a.engine(), open.theirs().blob("image"))).as("their photo is readable here")
                    .isEqualTo(Files.readAllBytes(theirImage));
            assertThat(a.engine().openConflicts()).hasSize(1);
            assertThat(get(b, r.id()).get("title")).as("nothing was pushed over theirs").isEqualTo("Theirs");

            a.engine().resolveConflict("photos", r.id(), ConflictChoice.TAKE_THEIRS, Set.of("title"));
            assertThat(get(a, r.id()).state()).as("image is still in conflict").isEqualTo(RecordState.CONFLICT);
            assertThat(get(a, r.id()).get("title")).isEqualTo("Theirs");
            a.engine().resolveConflict("photos", r.id(), ConflictChoice.KEEP_MINE);
            flush(a);
            flush(b);
            for (TestEngines.Pluggable d : List.of(a, b)) {
                Record now = get(d, r.id());
                assertThat(now.get("title")).isEqualTo("Theirs");
                assertThat(now.blob("image").sha256()).isEqualTo(open.mine().blob("image").sha256());
                assertThat(now.state()).isEqualTo(RecordState.SYNCED);
            }
            assertThat(a.engine().openConflicts()).isEmpty();
            assertThat(a.engine().conflicts(10)).singleElement().satisfies(c -> {
                assertThat(c.open()).isFalse();
                assertThat(c.winner()).isEqualTo("mixed");
                assertThat(c.theirs().blob("image").sha256()).as("the version not chosen stays retrievable")
                        .isEqualTo(open.theirs().blob("image").sha256());
            });
            assertThat(EngineFixture.eventually(Duration.ofSeconds(5), () -> settled.size() == 2)).isTrue();
            assertThat(settled.get(1).fieldsLeft()).isEmpty();
        }
    }

    static byte[] readAll(SyncEngine engine, BlobRef ref) throws java.io.IOException {
        try (BlobReader r = engine.openBlob(ref)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) r.size());
            while (buf.hasRemaining() && r.read(buf, buf.position()) >= 0) {
                // reads until full
            }
            return buf.array();
        }
    }

    /** An outbox written before clocks existed (no clocks, no seen) is still pushed, stamped at push time. */
    @Test
    void changesQueuedBeforeClocksExistedArePushedAfterTheUpgrade() throws Exception {
        EngineFixture fixture = new EngineFixture(tmp);
        ManualTime ta = new ManualTime(NINE);
        UUID id;
        try (TestEngines.Pluggable a = device(fixture, "a", ta, "last-write-wins")) {
            id = a.engine().table("photos").insert(EngineFixture.photo("Synced",
                    fixture.randomFile("old.jpg", 1000, 9))).id();
            flush(a);
            a.cable().unplug();
            ta.advance(HOUR);
            a.engine().table("photos").update(id, Map.of("title", "Queued long ago"));
        }
        Path db = tmp.resolve("cache-a").resolve("local.db");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
             java.sql.Statement st = c.createStatement()) {
            assertThat(st.executeUpdate("UPDATE pending SET clocks = '{}', seen = '{}'")).isEqualTo(1);
        }
        try (TestEngines.Pluggable a = device(fixture, "a", ta, "last-write-wins");
             TestEngines.Pluggable b = device(fixture, "b", new ManualTime(NINE), "last-write-wins")) {
            flush(a);
            flush(b);
            assertThat(get(b, id).get("title")).isEqualTo("Queued long ago");
        }
    }

    @Test
    void resolvingARecordWithoutAnOpenConflictSaysSo() throws Exception {
        EngineFixture fixture = new EngineFixture(tmp);
        try (TestEngines.Pluggable a = device(fixture, "a", new ManualTime(NINE), "manual")) {
            UUID id = UUID.randomUUID();
            assertThatThrownBy(() -> a.engine().resolveConflict("photos", id, ConflictChoice.KEEP_MINE))
                    .isInstanceOf(NotFoundException.class).hasMessageContaining("no open conflict");
        }
    }
}

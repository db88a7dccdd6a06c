package dev.blobsync.engine;

import static dev.blobsync.engine.testing.EngineFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.config.EngineConfig;
import dev.blobsync.engine.testing.EngineFixture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pin by query: a stored rule pins what matches now and what arrives later, across restarts. */
class PinRulesTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final List<PinRule.Condition> THIS_YEAR = List.of(PinRule.Condition.parse("takenAt>=2026-01-01"));

    @TempDir
    java.nio.file.Path tmp;

    private Record photo(SyncEngine e, EngineFixture f, String title, String takenAt, long seed) {
        Map<String, Object> fields = new java.util.HashMap<>(EngineFixture.photo(title,
                f.randomFile(title + ".jpg", 300_000, seed)));
        fields.put("takenAt", takenAt);
        return e.table("photos").insert(fields);
    }

    private static boolean pinnedAndCached(SyncEngine e, Record r) {
        return e.cache().priority("photos", r.id(), r.blob("image")) == Priority.HIGH
                && e.blobState(r.blob("image")) == BlobState.CACHED;
    }

    @Test
    void aRulePinsTheMatchesItHasAndThoseThatArriveLaterAndSurvivesARestart() throws Exception {
        EngineFixture f = new EngineFixture(tmp);
        EngineConfig bConfig = ConfigLoader.load(f.config("b"));
        try (SyncEngine a = f.open("a")) {
            List<Record> matching = List.of(photo(a, f, "jan", "2026-01-05T10:00:00Z", 1),
                    photo(a, f, "feb", "2026-02-05T10:00:00Z", 2), photo(a, f, "mar", "2026-03-05", 3));
            Record old = photo(a, f, "old", "2025-06-01T10:00:00Z", 4);
            assertThat(a.flush(WAIT)).isTrue();

            try (SyncEngine b = SyncEngine.open(bConfig)) {
                assertThat(eventually(WAIT, () -> b.table("photos").list().size() == 4)).isTrue();
                PinRule rule = b.cache().pinRule("photos", THIS_YEAR, Priority.HIGH);
                assertThat(rule.describe()).isEqualTo("photos where takenAt >= 2026-01-01");
                for (Record r : matching) {
                    assertThat(eventually(WAIT, () -> pinnedAndCached(b, r))).as(r.get("title").toString()).isTrue();
                }
                assertThat(b.cache().priority("photos", old.id(), old.blob("image"))).isEqualTo(Priority.NORMAL);
                assertThat(b.blobState(old.blob("image"))).isEqualTo(BlobState.REMOTE);
                assertThat(b.cache().pinProgress().settled()).isTrue();

                Record fourth = photo(a, f, "apr", "2026-04-05T10:00:00Z", 5);
                assertThat(a.flush(WAIT)).isTrue();
                assertThat(eventually(WAIT, () -> pinnedAndCached(b, fourth)))
                        .as("a match pulled later is pinned and fetched in full").isTrue();
                PinRuleStatus status = b.cache().pinRules().get(0);
                assertThat(status.records()).isEqualTo(4);
                assertThat(status.cachedBytes()).isEqualTo(status.bytes()).isEqualTo(4 * 300_000L);
            }

            try (SyncEngine b = SyncEngine.open(bConfig)) {
                assertThat(b.cache().pinRules()).extracting(s -> s.rule().describe())
                        .containsExactly("photos where takenAt >= 2026-01-01");
                Record fifth = photo(a, f, "may", "2026-05-05T10:00:00Z", 6);
                assertThat(a.flush(WAIT)).isTrue();
                assertThat(eventually(WAIT, () -> pinnedAndCached(b, fifth))).as("rule kept across a restart").isTrue();

                long id = b.cache().pinRules().get(0).rule().id();
                assertThat(b.cache().removePinRule(id)).isTrue();
                assertThat(b.cache().pinRules()).isEmpty();
                assertThat(b.cache().priority("photos", fifth.id(), fifth.blob("image"))).isEqualTo(Priority.NORMAL);
                b.cache().clear();
                assertThat(b.blobState(fifth.blob("image"))).as("unpinned blobs may leave").isEqualTo(BlobState.REMOTE);
                assertThat(b.cache().removePinRule(id)).isFalse();
            }
        }
    }

    @Test
    void aRecordOwnPriorityWinsOverARuleAndTheSameRuleIsStoredOnce() throws Exception {
        EngineFixture f = new EngineFixture(tmp);
        try (SyncEngine a = f.open("a")) {
            Record r = photo(a, f, "jan", "2026-01-05T10:00:00Z", 1);
            a.cache().setPriority(r.id(), Priority.LOW);
            PinRule first = a.cache().pinRule("photos", THIS_YEAR, Priority.HIGH);
            assertThat(a.cache().pinRule("photos", THIS_YEAR, Priority.HIGH)).isEqualTo(first);
            assertThat(a.cache().pinRules()).hasSize(1);
            assertThat(a.cache().priority("photos", r.id(), r.blob("image"))).isEqualTo(Priority.LOW);
            a.cache().setPriority(r.id(), null);
            assertThat(a.cache().priority("photos", r.id(), r.blob("image"))).isEqualTo(Priority.HIGH);
        }
    }

    @Test
    void badRulesAreRefusedWithTheReasonAndNothingIsStored() throws Exception {
        EngineFixture f = new EngineFixture(tmp);
        try (SyncEngine a = SyncEngine.open(ConfigLoader.load(f.config("a", "200ms",
                "  uploadDelay: 50ms\n  maxQueueSize: 4GB\n", "  maxSize: 500KB\n  minFreeDisk: 0\n")))) {
            photo(a, f, "jan", "2026-01-05T10:00:00Z", 1);
            photo(a, f, "feb", "2026-02-05T10:00:00Z", 2);
            assertThatThrownBy(() -> a.cache().pinRule("photos", List.of(PinRule.Condition.parse("takenOn>=2026-01-01")),
                    Priority.HIGH)).isInstanceOf(InvalidException.class).hasMessageContaining("takenOn");
            assertThatThrownBy(() -> a.cache().pinRule("photos", List.of(PinRule.Condition.parse("takenAt>=soon")),
                    Priority.HIGH)).isInstanceOf(InvalidException.class).hasMessageContaining("takenAt");
            assertThatThrownBy(() -> a.cache().pinRule("photos", THIS_YEAR, Priority.HIGH))
                    .isInstanceOf(QuotaExceededException.class).hasMessageContaining("cache.maxSize");
            assertThat(a.cache().pinRules()).isEmpty();
        }
    }

    @Test
    void conditionsParseFieldOperatorAndValue() {
        assertThat(PinRule.Condition.parse(" takenAt >= 2026-01-01 "))
                .isEqualTo(new PinRule.Condition("takenAt", ">=", "2026-01-01"));
        assertThat(PinRule.Condition.parse("familyId=7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01").operator()).isEqualTo("=");
        assertThat(PinRule.Condition.parse("size<10").operator()).isEqualTo("<");
        assertThatThrownBy(() -> PinRule.Condition.parse("takenAt")).isInstanceOf(InvalidException.class)
                .hasMessageContaining("FIELD=VALUE");
        assertThatThrownBy(() -> PinRule.Condition.parse(">=2026")).isInstanceOf(InvalidException.class)
                .hasMessageContaining("needs a field");
    }
}

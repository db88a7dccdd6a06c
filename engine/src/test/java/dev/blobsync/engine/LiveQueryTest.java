package dev.blobsync.engine;

import static dev.blobsync.engine.testing.EngineFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.blobsync.engine.event.UploadComplete;
import dev.blobsync.engine.testing.Deliveries;
import dev.blobsync.engine.testing.EngineFixture;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LiveQueryTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final UUID FAMILY = UUID.fromString("7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01");
    private static final UUID OTHER_FAMILY = UUID.fromString("0a0a0a0a-9a4b-4c55-9a55-0c7f3f0f7a01");

    @TempDir
    Path tmp;
    EngineFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = new EngineFixture(tmp);
    }

    private static Map<String, Object> photo(String title, String takenAt, UUID family, Object image) {
        Map<String, Object> m = new HashMap<>();
        m.put("title", title);
        m.put("takenAt", takenAt);
        m.put("familyId", family);
        m.put("image", image);
        return m;
    }

    private static boolean holds(QueryResult r, UUID id, String title) {
        return r.data().stream().anyMatch(x -> x.id().equals(id) && title.equals(x.get("title")));
    }

    /** Engine a waits a second before uploading, so the order of delivery and upload is certain. */
    private SyncEngine openSlowUploader(String name) {
        fixture.config(name, "200ms", "  retryStrategy:\n    initialDelay: 100ms\n    maxDelay: 500ms\n"
                + "  uploadDelay: 1s\n");
        return fixture.open(name);
    }

    @Test
    void subscriptionSeesInitialResultThenLocalInsertBeforeItsUploadThenRemoteUpdateThenDelete() throws Exception {
        Path image = fixture.randomFile("beach.jpg", 50_000, 1);
        try (SyncEngine a = openSlowUploader("a"); SyncEngine b = fixture.open("b")) {
            List<String> log = Collections.synchronizedList(new ArrayList<>());
            Deliveries seen = new Deliveries();
            a.on(UploadComplete.class, e -> log.add("uploaded " + e.id()));
            try (Subscription s = a.table("photos").where("familyId", FAMILY.toString()).subscribe(r -> {
                log.add("delivered " + r.data().stream().map(x -> x.get("title") + "/" + x.state()).toList());
                seen.accept(r);
            })) {
                QueryResult initial = seen.next(WAIT, "the initial result", r -> true);
                assertThat(initial.data()).isEmpty();
                assertThat(initial.error()).isNull();

                Record beach = a.table("photos").insert(photo("Beach Day", "2026-07-04T10:00:00Z", FAMILY, image));
                QueryResult inserted = seen.next(WAIT, "the local insert", r -> holds(r, beach.id(), "Beach Day"));
                assertThat(inserted.data().get(0).state()).isEqualTo(RecordState.QUEUED);
                assertThat(inserted.changedIds()).contains(beach.id());
                String sha = beach.blob("image").sha256();
                assertThat(eventually(WAIT, () -> log.contains("uploaded " + sha))).isTrue();
                int deliveredAt = indexOf(log, "delivered [Beach Day/QUEUED]");
                assertThat(deliveredAt).isNotNegative().isLessThan(log.indexOf("uploaded " + sha));

                assertThat(eventually(WAIT, () -> b.table("photos").get(beach.id()).isPresent())).isTrue();
                b.table("photos").update(beach.id(), Map.of("title", "Sunset"));
                QueryResult remote = seen.next(WAIT, "the remote update", r -> holds(r, beach.id(), "Sunset"));
                assertThat(remote.data()).hasSize(1);

                a.table("photos").delete(beach.id());
                QueryResult deleted = seen.next(WAIT, "the delete", r -> r.data().isEmpty());
                assertThat(deleted.changedIds()).containsExactly(beach.id());
            }
            assertThat(seen.threads()).allMatch("blobsync-events"::equals);
        }
    }

    private static int indexOf(List<String> log, String entry) {
        synchronized (log) {
            return log.indexOf(entry);
        }
    }

    @Test
    void noDeliveryAfterClose() throws Exception {
        try (SyncEngine a = fixture.open("a")) {
            Table photos = a.table("photos");
            Deliveries seen = new Deliveries();
            Subscription s = photos.query().includeBlobs().subscribe(seen);
            seen.next(WAIT, "the initial result", r -> true);
            Record r = photos.insertDraft(Map.of("title", "one"));
            seen.next(WAIT, "the insert", x -> x.data().size() == 1);
            s.close();
            int before = seen.count();
            for (int i = 0; i < 20; i++) {
                photos.update(r.id(), Map.of("title", "edit " + i));
            }
            Deliveries other = new Deliveries();
            try (Subscription s2 = photos.query().subscribe(other)) {
                // A later subscription on the same table sees the edits: they were processed.
                other.next(WAIT, "the last edit", x -> holds(x, r.id(), "edit 19"));
            }
            s.close();
            assertThat(seen.count()).isEqualTo(before);
        }
    }

    @Test
    void filtersOrderAndLimitFollowLocalChanges() throws Exception {
        try (SyncEngine a = fixture.open("a")) {
            Table photos = a.table("photos");
            List<UUID> ids = new ArrayList<>();
            for (int day = 1; day <= 6; day++) {
                ids.add(photos.insertDraft(Map.of("title", "day " + day, "familyId", day % 2 == 0 ? FAMILY : OTHER_FAMILY,
                        "takenAt", "2026-07-0" + day + "T10:00:00Z")).id());
            }
            Query q = photos.where("takenAt", ">=", "2026-07-02T00:00:00Z")
                    .where("takenAt", "<", Instant.parse("2026-07-06T00:00:00Z"))
                    .orderBy("takenAt", Query.Direction.DESCENDING)
                    .limit(3);
            assertThat(titles(q.list())).containsExactly("day 5", "day 4", "day 3");
            Deliveries seen = new Deliveries();
            try (Subscription s = q.subscribe(seen)) {
                QueryResult first = seen.next(WAIT, "the initial result", r -> true);
                assertThat(titles(first.data())).containsExactly("day 5", "day 4", "day 3");

                photos.update(ids.get(4), Map.of("takenAt", "2026-07-09T00:00:00Z")); // day 5 leaves the range
                QueryResult moved = seen.next(WAIT, "day 5 leaving", r -> !titles(r.data()).contains("day 5"));
                assertThat(titles(moved.data())).containsExactly("day 4", "day 3", "day 2");
                assertThat(moved.changedIds()).contains(ids.get(4), ids.get(1));

                photos.update(ids.get(0), Map.of("takenAt", "2026-07-05T12:00:00Z")); // day 1 enters at the top
                QueryResult entered = seen.next(WAIT, "day 1 entering", r -> titles(r.data()).contains("day 1"));
                assertThat(titles(entered.data())).containsExactly("day 1", "day 4", "day 3");
            }
            assertThat(titles(photos.where("familyId", FAMILY).orderBy("title").list()))
                    .containsExactly("day 2", "day 4", "day 6");
            assertThat(titles(photos.where(Map.of("familyId", FAMILY.toString(), "title", "day 4")).list()))
                    .containsExactly("day 4");
            assertThat(titles(photos.where("audio", null).where("title", ">", "day 5").list()))
                    .containsExactly("day 6");
            assertThat(photos.where("id", ids.get(2)).list()).extracting(Record::id).containsExactly(ids.get(2));
        }
    }

    private static List<Object> titles(List<Record> records) {
        return records.stream().map(r -> r.get("title")).toList();
    }

    @Test
    void invalidFieldsOperatorsAndValuesAreRejectedNamingTheField() {
        try (SyncEngine a = fixture.open("a")) {
            Table photos = a.table("photos");
            assertThatThrownBy(() -> photos.where("colour", "red"))
                    .isInstanceOfSatisfying(InvalidException.class, e -> assertThat(e.field()).isEqualTo("colour"))
                    .hasMessageContaining("no field 'colour'");
            assertThatThrownBy(() -> photos.where("takenAt", ">", "yesterday"))
                    .isInstanceOfSatisfying(InvalidException.class, e -> assertThat(e.field()).isEqualTo("takenAt"));
            assertThatThrownBy(() -> photos.where("image", "x"))
                    .isInstanceOfSatisfying(InvalidException.class, e -> assertThat(e.field()).isEqualTo("image"));
            assertThatThrownBy(() -> photos.where("title", "~", "x"))
                    .isInstanceOfSatisfying(InvalidException.class, e -> assertThat(e.field()).isEqualTo("title"))
                    .hasMessageContaining("=, <, <=, >, >=");
            assertThatThrownBy(() -> photos.where("familyId", "not-a-uuid"))
                    .isInstanceOfSatisfying(InvalidException.class, e -> assertThat(e.field()).isEqualTo("familyId"));
            assertThatThrownBy(() -> photos.query().orderBy("image"))
                    .isInstanceOfSatisfying(InvalidException.class, e -> assertThat(e.field()).isEqualTo("image"));
            assertThatThrownBy(() -> photos.query().includeBlobs("title"))
                    .isInstanceOfSatisfying(InvalidException.class, e -> assertThat(e.field()).isEqualTo("title"));
            assertThatThrownBy(() -> photos.query().limit(-1)).isInstanceOf(InvalidException.class);
        }
    }

    @Test
    void blobUrlsAreLocalFilesWhileCachedAndTheHubsFileOnceEvicted() throws Exception {
        Path image = fixture.randomFile("cat.jpg", 20_000, 7);
        try (SyncEngine a = fixture.open("a")) {
            Table photos = a.table("photos");
            Record r = photos.insert(photo("Cat", "2026-07-04T10:00:00Z", FAMILY, image));
            Deliveries seen = new Deliveries();
            try (Subscription s = photos.where("familyId", FAMILY).includeBlobs("image", "audio").subscribe(seen)) {
                QueryResult first = seen.next(WAIT, "the record", x -> x.data().size() == 1);
                URI local = first.blobUrl(r.id(), "image");
                assertThat(local.getScheme()).isEqualTo("file");
                assertThat(Files.readAllBytes(Path.of(local))).isEqualTo(Files.readAllBytes(image));
                assertThat(first.blobUrls().get(r.id())).doesNotContainKey("audio");

                assertThat(a.flush(WAIT)).isTrue();
                a.cache().evict(List.of(r.id()));
                QueryResult evicted = seen.next(WAIT, "a URL after eviction",
                        x -> x.blobUrl(r.id(), "image") != null && !x.blobUrl(r.id(), "image").equals(local));
                URI hub = evicted.blobUrl(r.id(), "image");
                assertThat(Path.of(hub)).startsWith(fixture.hub());
                assertThat(Files.readAllBytes(Path.of(hub))).isEqualTo(Files.readAllBytes(image));
                assertThat(evicted.changedIds()).containsExactly(r.id());
            }
        }
    }
}

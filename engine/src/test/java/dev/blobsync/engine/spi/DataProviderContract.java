package dev.blobsync.engine.spi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link DataProvider} meets. A backend's test extends this class and says
 * how to open a provider; {@link #openSecond()} opens another client of the same backend.
 * The per-field clock cases and the feed property test live here too, so every backend is held
 * to the same rule.
 */
public abstract class DataProviderContract {
    protected static final ObjectMapper JSON = new ObjectMapper();
    /** 2026-07-04 10:00 UTC, the morning of the offline-edit scenario. */
    protected static final long TEN = Instant.parse("2026-07-04T10:00:00Z").toEpochMilli();
    protected static final long HOUR = 3_600_000L;
    private static final AtomicLong TICKS = new AtomicLong(TEN);
    protected DataProvider provider;

    /** Opens a fresh, empty backend. */
    protected abstract DataProvider openFirst() throws Exception;

    /** Opens a second client of the backend {@link #openFirst()} made. */
    protected abstract DataProvider openSecond() throws Exception;

    /**
     * Makes every write wait a random few milliseconds between writing and committing, so that
     * concurrent writers commit out of the order they wrote in; backends that serialise writers
     * entirely may leave it empty.
     */
    protected void slowCommitsRandomly() throws Exception {
    }

    @BeforeEach
    void open() throws Exception {
        provider = openFirst();
    }

    @AfterEach
    void close() {
        provider.close();
    }

    protected static ObjectNode fields(String... kv) {
        ObjectNode o = JSON.createObjectNode();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] == null) {
                o.putNull(kv[i]);
            } else {
                o.put(kv[i], kv[i + 1]);
            }
        }
        return o;
    }

    /** A clock of device {@code device} at {@code millis}. */
    protected static Hlc at(long millis, String device) {
        return new Hlc(millis, 0, device);
    }

    /** An upsert whose fields all carry a fresh, increasing clock of device "test". */
    protected static Mutation upsert(UUID id, long baseRev, ObjectNode fields) {
        return upsert(id, baseRev, fields, at(TICKS.incrementAndGet(), "test"));
    }

    protected static Mutation upsert(UUID id, long baseRev, ObjectNode fields, Hlc clock) {
        Map<String, Hlc> clocks = new HashMap<>();
        fields.fieldNames().forEachRemaining(f -> clocks.put(f, clock));
        return new Mutation(UUID.randomUUID().toString(), "photos", id, baseRev, Mutation.Op.UPSERT, fields, clocks);
    }

    protected static Mutation delete(UUID id, long baseRev, Hlc clock) {
        return new Mutation(UUID.randomUUID().toString(), "photos", id, baseRev, Mutation.Op.DELETE,
                JSON.createObjectNode(), Map.of(Hlc.RECORD, clock));
    }

    protected RemoteRecord pushOne(Mutation m) throws ProviderException {
        PushResult r = provider.push(List.of(m)).get(0);
        assertThat(r.status()).as("push of %s", m).isEqualTo(PushResult.Status.APPLIED);
        return r.current();
    }

    /** Every change of the feed from the start, following pages of {@code pageSize}. */
    protected List<RemoteRecord> feed(DataProvider p, int pageSize) throws ProviderException {
        List<RemoteRecord> all = new ArrayList<>();
        String cursor = null;
        ChangePage page;
        do {
            page = p.changesSince(cursor, pageSize);
            all.addAll(page.changes());
            cursor = page.cursor();
        } while (page.hasMore());
        return all;
    }

    @Test
    void insertedRecordIsInTheFeedWithARevision() throws Exception {
        UUID id = UUID.randomUUID();
        List<PushResult> r = provider.push(List.of(upsert(id, 0, fields("title", "Beach"))));
        assertThat(r).singleElement().satisfies(p -> {
            assertThat(p.status()).isEqualTo(PushResult.Status.APPLIED);
            assertThat(p.current().rev()).isPositive();
        });
        ChangePage page = provider.changesSince(null, 100);
        assertThat(page.changes()).singleElement().satisfies(c -> {
            assertThat(c.id()).isEqualTo(id);
            assertThat(c.fields().get("title").asText()).isEqualTo("Beach");
            assertThat(c.deleted()).isFalse();
        });
        assertThat(provider.changesSince(page.cursor(), 100).changes()).isEmpty();
    }

    @Test
    void updateMergesChangedFieldsAndNullRemovesOne() throws Exception {
        UUID id = UUID.randomUUID();
        long rev = provider.push(List.of(upsert(id, 0, fields("title", "A", "note", "x")))).get(0).current().rev();
        PushResult r = provider.push(List.of(upsert(id, rev, fields("title", "B", "note", null)))).get(0);
        assertThat(r.status()).isEqualTo(PushResult.Status.APPLIED);
        assertThat(r.current().rev()).isGreaterThan(rev);
        assertThat(r.current().fields().get("title").asText()).isEqualTo("B");
        assertThat(r.current().fields().has("note")).isFalse();
    }

    @Test
    void staleBaseRevisionIsAConflictCarryingTheCurrentState() throws Exception {
        UUID id = UUID.randomUUID();
        long rev1 = provider.push(List.of(upsert(id, 0, fields("title", "A")))).get(0).current().rev();
        provider.push(List.of(upsert(id, rev1, fields("title", "B"))));
        PushResult stale = provider.push(List.of(upsert(id, rev1, fields("title", "C")))).get(0);
        assertThat(stale.status()).isEqualTo(PushResult.Status.CONFLICT);
        assertThat(stale.current().fields().get("title").asText()).isEqualTo("B");
    }

    @Test
    void insertOfAnExistingRecordIsAConflict() throws Exception {
        UUID id = UUID.randomUUID();
        provider.push(List.of(upsert(id, 0, fields("title", "A"))));
        assertThat(provider.push(List.of(upsert(id, 0, fields("title", "B")))).get(0).status())
                .isEqualTo(PushResult.Status.CONFLICT);
    }

    @Test
    void pushingTheSameMutationTwiceAppliesItOnce() throws Exception {
        UUID id = UUID.randomUUID();
        Mutation m = upsert(id, 0, fields("title", "A"));
        PushResult first = provider.push(List.of(m)).get(0);
        PushResult again = provider.push(List.of(m)).get(0);
        assertThat(again.status()).isEqualTo(PushResult.Status.APPLIED);
        assertThat(again.current().rev()).isEqualTo(first.current().rev());
        assertThat(provider.changesSince(null, 100).changes()).hasSize(1);
    }

    @Test
    void deleteLeavesATombstoneInTheFeed() throws Exception {
        UUID id = UUID.randomUUID();
        RemoteRecord created = pushOne(upsert(id, 0, fields("title", "A")));
        RemoteRecord d = pushOne(delete(id, created.rev(), at(TICKS.incrementAndGet(), "test")));
        assertThat(d.deleted()).isTrue();
        List<RemoteRecord> all = feed(provider, 100);
        assertThat(all).singleElement().satisfies(c -> assertThat(c.deleted()).isTrue());
    }

    @Test
    void feedPagesInOrderWithoutGaps() throws Exception {
        for (int i = 0; i < 25; i++) {
            provider.push(List.of(upsert(UUID.randomUUID(), 0, fields("n", Integer.toString(i)))));
        }
        List<String> seen = new ArrayList<>();
        for (RemoteRecord c : feed(provider, 10)) {
            seen.add(c.fields().get("n").asText());
        }
        assertThat(seen).hasSize(25).startsWith("0", "1", "2").endsWith("24");
    }

    @Test
    void anAcknowledgedPushIsThereForAnotherClient() throws Exception {
        UUID id = UUID.randomUUID();
        RemoteRecord r = pushOne(upsert(id, 0, fields("title", "kept")));
        provider.close();
        provider = openSecond();
        assertThat(feed(provider, 10)).singleElement().satisfies(c -> {
            assertThat(c.rev()).isEqualTo(r.rev());
            assertThat(c.fields().get("title").asText()).isEqualTo("kept");
        });
    }

    // ---- per-field clocks ----

    @Test
    void eachFieldCarriesTheClockOfItsLastWriteThroughTheFeed() throws Exception {
        UUID id = UUID.randomUUID();
        RemoteRecord r = pushOne(upsert(id, 0, fields("title", "A", "note", "n"), at(TEN, "laptop")));
        pushOne(upsert(id, r.rev(), fields("title", "B"), at(TEN + HOUR, "phone")));
        RemoteRecord pulled = feed(provider, 10).get(0);
        assertThat(pulled.clock("title")).isEqualTo(at(TEN + HOUR, "phone"));
        assertThat(pulled.clock("note")).isEqualTo(at(TEN, "laptop"));
        assertThat(pulled.clock("never-written")).isEqualTo(Hlc.ZERO);
    }

    @Test
    void anOfflineEditPushedLateDoesNotOverwriteALaterEditOfTheSameField() throws Exception {
        UUID id = UUID.randomUUID();
        RemoteRecord r = pushOne(upsert(id, 0, fields("title", "Original", "note", "n"), at(TEN - HOUR, "a")));
        // Device b changed the title at 11:00 and pushed at once.
        RemoteRecord b = pushOne(upsert(id, r.rev(), fields("title", "Eleven"), at(TEN + HOUR, "b")));
        // Device a changed title and note offline at 10:00 and pushes at 12:00, on the current revision.
        RemoteRecord after = pushOne(upsert(id, b.rev(), fields("title", "Ten", "note", "from a"), at(TEN, "a")));
        assertThat(after.fields().get("title").asText()).as("the later clock keeps the field").isEqualTo("Eleven");
        assertThat(after.clock("title")).isEqualTo(at(TEN + HOUR, "b"));
        assertThat(after.fields().get("note").asText()).as("fields only a changed are taken").isEqualTo("from a");
        assertThat(feed(provider, 10).get(0).fields().get("title").asText()).isEqualTo("Eleven");
    }

    @Test
    void equalTimesAreOrderedByDeviceWhateverThePushOrder() throws Exception {
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        RemoteRecord r1 = pushOne(upsert(first, 0, fields("title", "from b"), at(TEN, "b")));
        RemoteRecord r2 = pushOne(upsert(second, 0, fields("title", "from a"), at(TEN, "a")));
        pushOne(upsert(first, r1.rev(), fields("title", "from a"), at(TEN, "a")));
        pushOne(upsert(second, r2.rev(), fields("title", "from b"), at(TEN, "b")));
        for (RemoteRecord c : feed(provider, 10)) {
            assertThat(c.fields().get("title").asText()).as("record %s", c.id()).isEqualTo("from b");
        }
    }

    @Test
    void aDeleteWinsOnlyOverOlderClocks() throws Exception {
        UUID kept = UUID.randomUUID();
        RemoteRecord k = pushOne(upsert(kept, 0, fields("title", "edited at 11"), at(TEN + HOUR, "b")));
        RemoteRecord stillThere = pushOne(delete(kept, k.rev(), at(TEN, "a")));
        assertThat(stillThere.deleted()).as("a delete made before the last edit loses").isFalse();
        assertThat(stillThere.fields().get("title").asText()).isEqualTo("edited at 11");

        UUID gone = UUID.randomUUID();
        RemoteRecord g = pushOne(upsert(gone, 0, fields("title", "old"), at(TEN, "b")));
        assertThat(pushOne(delete(gone, g.rev(), at(TEN + HOUR, "a"))).deleted()).isTrue();
    }

    @Test
    void anUpsertRecreatesADeletedRecordOnlyWithALaterClock() throws Exception {
        UUID id = UUID.randomUUID();
        RemoteRecord r = pushOne(upsert(id, 0, fields("title", "A"), at(TEN, "a")));
        RemoteRecord d = pushOne(delete(id, r.rev(), at(TEN + 2 * HOUR, "b")));
        RemoteRecord older = pushOne(upsert(id, d.rev(), fields("title", "B"), at(TEN + HOUR, "a")));
        assertThat(older.deleted()).as("an edit older than the delete stays deleted").isTrue();
        RemoteRecord newer = pushOne(upsert(id, older.rev(), fields("title", "C"), at(TEN + 3 * HOUR, "a")));
        assertThat(newer.deleted()).isFalse();
        assertThat(newer.fields().get("title").asText()).isEqualTo("C");
        assertThat(newer.clock(Hlc.RECORD)).isEqualTo(at(TEN + 3 * HOUR, "a"));
    }

    @Test
    void aRemovedFieldKeepsItsClockSoAnOlderWriteCannotBringItBack() throws Exception {
        UUID id = UUID.randomUUID();
        RemoteRecord r = pushOne(upsert(id, 0, fields("title", "A", "note", "n"), at(TEN, "a")));
        RemoteRecord removed = pushOne(upsert(id, r.rev(), fields("note", null), at(TEN + 2 * HOUR, "b")));
        assertThat(removed.fields().has("note")).isFalse();
        RemoteRecord again = pushOne(upsert(id, removed.rev(), fields("note", "old"), at(TEN + HOUR, "a")));
        assertThat(again.fields().has("note")).isFalse();
    }

    // ---- the feed ----

    @Test
    void concurrentWritersFromTwoClientsNeverSkipAChangeInTheFeed() throws Exception {
        DataProvider second = openSecond();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        Set<UUID> written = Collections.synchronizedSet(new HashSet<>());
        Set<UUID> seen = new HashSet<>();
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (DataProvider p : List.of(provider, second)) {
                writers.add(pool.submit(() -> {
                    for (int i = 0; i < 100; i++) {
                        UUID id = UUID.randomUUID();
                        p.push(List.of(upsert(id, 0, fields("n", Integer.toString(i)))));
                        written.add(id);
                    }
                    return null;
                }));
            }
            String cursor = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (seen.size() < 200 && System.nanoTime() < deadline) {
                ChangePage page = provider.changesSince(cursor, 7);
                page.changes().forEach(c -> seen.add(c.id()));
                cursor = page.cursor();
            }
            for (Future<?> w : writers) {
                w.get(60, TimeUnit.SECONDS);
            }
            ChangePage rest;
            do {
                rest = provider.changesSince(cursor, 50);
                rest.changes().forEach(c -> seen.add(c.id()));
                cursor = rest.cursor();
            } while (rest.hasMore());
        } finally {
            pool.shutdownNow();
            second.close();
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(written).hasSize(200);
    }

    /**
     * Property: N writers on their own clients insert and update records with random batch
     * sizes while commits are delayed at random (so they land out of the order they were
     * written in), and one reader follows the feed in small pages the whole time. The reader
     * never sees the same revision of a record twice, never sees a record's revision go back,
     * and ends with every record at the revision its last acknowledged push returned.
     */
    @Test
    void aFeedReaderNeverMissesOrDuplicatesACommittedChangeUnderConcurrentOutOfOrderCommits() throws Exception {
        slowCommitsRandomly();
        long seed = System.nanoTime();
        int writers = 6;
        int pushesEach = 30;
        List<DataProvider> clients = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        Map<UUID, Long> acknowledged = new java.util.concurrent.ConcurrentHashMap<>();
        Map<UUID, Long> lastSeen = new HashMap<>();
        Set<String> seenRevisions = new HashSet<>();
        List<String> problems = new ArrayList<>();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                DataProvider client = openSecond();
                clients.add(client);
                java.util.Random random = new java.util.Random(seed + w);
                String device = "writer" + w;
                futures.add(pool.submit(() -> {
                    Map<UUID, Long> mine = new HashMap<>();
                    for (int i = 0; i < pushesEach; i++) {
                        List<Mutation> batch = new ArrayList<>();
                        int size = 1 + random.nextInt(3);
                        for (int b = 0; b < size; b++) {
                            Hlc clock = at(TICKS.incrementAndGet(), device);
                            if (!mine.isEmpty() && random.nextBoolean()) {
                                UUID id = new ArrayList<>(mine.keySet()).get(random.nextInt(mine.size()));
                                if (batch.stream().anyMatch(m -> m.id().equals(id))) {
                                    continue;
                                }
                                batch.add(upsert(id, mine.get(id), fields("n", device + "-" + i), clock));
                            } else {
                                batch.add(upsert(UUID.randomUUID(), 0, fields("n", device + "-" + i), clock));
                            }
                        }
                        for (PushResult r : client.push(batch)) {
                            assertThat(r.status()).isEqualTo(PushResult.Status.APPLIED);
                            mine.put(r.current().id(), r.current().rev());
                            acknowledged.put(r.current().id(), r.current().rev());
                        }
                    }
                    return null;
                }));
            }
            String cursor = null;
            boolean writing = true;
            while (true) {
                ChangePage page = provider.changesSince(cursor, 5);
                for (RemoteRecord c : page.changes()) {
                    if (!seenRevisions.add(c.id() + "@" + c.rev())) {
                        problems.add("duplicate " + c.id() + "@" + c.rev());
                    }
                    Long before = lastSeen.put(c.id(), c.rev());
                    if (before != null && before >= c.rev()) {
                        problems.add("revision went back for " + c.id() + ": " + before + " then " + c.rev());
                    }
                }
                cursor = page.cursor();
                if (!page.hasMore()) {
                    if (!writing) {
                        break;
                    }
                    writing = futures.stream().anyMatch(f -> !f.isDone());
                    if (!writing) {
                        for (Future<?> f : futures) {
                            f.get();
                        }
                    }
                }
            }
        } finally {
            pool.shutdownNow();
            clients.forEach(DataProvider::close);
        }
        acknowledged.forEach((id, rev) -> {
            if (!rev.equals(lastSeen.get(id))) {
                problems.add("missed: " + id + " acknowledged at " + rev + ", last read at " + lastSeen.get(id));
            }
        });
        assertThat(problems).as("seed %d, %d records", seed, acknowledged.size()).isEmpty();
        assertThat(lastSeen.keySet()).isEqualTo(acknowledged.keySet());
    }
}

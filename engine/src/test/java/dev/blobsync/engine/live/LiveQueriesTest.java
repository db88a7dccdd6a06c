package dev.blobsync.engine.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.BlobUrl;
import dev.blobsync.engine.Query;
import dev.blobsync.engine.QueryResult;
import dev.blobsync.engine.Record;
import dev.blobsync.engine.RecordState;
import dev.blobsync.engine.Subscription;
import dev.blobsync.engine.Table;
import dev.blobsync.engine.schema.TableSchema;
import dev.blobsync.engine.testing.Deliveries;
import dev.blobsync.engine.testing.EngineFixture;
import dev.blobsync.engine.testing.ManualTime;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Live queries on their own, over an in-memory table, with a fake clock and a fake URL signer. */
class LiveQueriesTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Instant T0 = Instant.parse("2026-07-04T10:00:00Z");
    private static final UUID FAMILY = UUID.fromString("7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01");

    @TempDir
    Path tmp;
    TableSchema schema;
    ManualTime time;

    @BeforeEach
    void setUp() {
        schema = new EngineFixture(tmp).load("a").schema().table("photos");
        time = new ManualTime(T0);
    }

    /** A table held in a map that counts full reads and single-record reads. */
    static final class MemoryTable {
        final Map<UUID, Record> records = new ConcurrentHashMap<>();
        final AtomicInteger lists = new AtomicInteger();
        final AtomicInteger gets = new AtomicInteger();
        final Table table;

        MemoryTable(TableSchema schema) {
            table = (Table) Proxy.newProxyInstance(Table.class.getClassLoader(), new Class<?>[] {Table.class},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "name" -> schema.name();
                        case "schema" -> schema;
                        case "list" -> {
                            lists.incrementAndGet();
                            List<Record> all = new ArrayList<>(records.values());
                            all.sort(Comparator.comparing(Record::updatedAt).thenComparing(Record::id));
                            yield all;
                        }
                        case "get" -> {
                            gets.incrementAndGet();
                            yield Optional.ofNullable(records.get((UUID) args[0]));
                        }
                        case "toString" -> "memory table " + schema.name();
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> throw new UnsupportedOperationException(method.getName());
                    });
        }

        Record put(UUID id, String title, UUID family, BlobRef image) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("title", title);
            fields.put("takenAt", T0);
            fields.put("familyId", family);
            if (image != null) {
                fields.put("image", image);
            }
            Record r = new Record("photos", id, fields, 1, T0, RecordState.SYNCED, null);
            records.put(id, r);
            return r;
        }
    }

    /** Signs like the s3 provider's URL cache: a new URL once the old one is due for renewal. */
    static final class FakeSigner implements LiveQueries.UrlSource {
        private final ManualTime time;
        private final Duration lifetime;
        private final Map<String, BlobUrl> signed = new HashMap<>();
        private final Map<String, Instant> renewAt = new HashMap<>();
        final AtomicInteger signatures = new AtomicInteger();

        FakeSigner(ManualTime time, Duration lifetime) {
            this.time = time;
            this.lifetime = lifetime;
        }

        @Override
        public synchronized Optional<BlobUrl> urlOf(BlobRef ref) {
            Instant now = time.instant();
            BlobUrl url = signed.get(ref.sha256());
            if (url == null || !now.isBefore(renewAt.get(ref.sha256()))) {
                int n = signatures.incrementAndGet();
                url = new BlobUrl(URI.create("https://blobs.test/" + ref.sha256() + "?sig=" + n), now.plus(lifetime));
                signed.put(ref.sha256(), url);
                renewAt.put(ref.sha256(), url.refreshAt(now));
            }
            return Optional.of(url);
        }
    }

    private static BlobRef blob(int n) {
        return new BlobRef(String.format("%064x", n), 100, "image/jpeg", "img" + n + ".jpg");
    }

    @Test
    void presignedUrlsAreReplacedByANewDeliveryBeforeTheyExpire() throws Exception {
        MemoryTable photos = new MemoryTable(schema);
        Record r = photos.put(UUID.randomUUID(), "Beach", FAMILY, blob(1));
        FakeSigner signer = new FakeSigner(time, Duration.ofHours(1));
        try (LiveQueries live = new LiveQueries(signer, Runnable::run, time, time, () -> false)) {
            Deliveries seen = new Deliveries();
            try (Subscription s = live.query(photos.table).where("familyId", FAMILY).subscribe(seen)) {
                QueryResult first = seen.next(WAIT, "the first result", x -> true);
                URI url1 = first.blobUrl(r.id(), "image");
                assertThat(url1.toString()).endsWith("sig=1");
                // Renewal is due 5 minutes before the hour is up, and not before.
                assertThat(EngineFixture.eventually(WAIT, () -> T0.plus(Duration.ofMinutes(55)).equals(time.nextDue())))
                        .isTrue();
                time.advance(Duration.ofMinutes(54));
                Thread.sleep(200);
                assertThat(seen.count()).isEqualTo(1);

                time.advance(Duration.ofMinutes(1));
                QueryResult renewed = seen.next(WAIT, "a renewed URL", x -> !url1.equals(x.blobUrl(r.id(), "image")));
                assertThat(renewed.blobUrl(r.id(), "image").toString()).endsWith("sig=2");
                assertThat(renewed.changedIds()).containsExactly(r.id());
                assertThat(renewed.data()).containsExactly(r);
                assertThat(EngineFixture.eventually(WAIT,
                        () -> T0.plus(Duration.ofMinutes(110)).equals(time.nextDue()))).isTrue();
            }
            assertThat(EngineFixture.eventually(WAIT, () -> time.nextDue() == null))
                    .as("closing the subscription cancels its renewal").isTrue();
        }
    }

    @Test
    void urlsAreNotRenewedWhenTheQuerySaysSo() throws Exception {
        MemoryTable photos = new MemoryTable(schema);
        Record r = photos.put(UUID.randomUUID(), "Beach", FAMILY, blob(1));
        FakeSigner signer = new FakeSigner(time, Duration.ofHours(1));
        try (LiveQueries live = new LiveQueries(signer, Runnable::run, time, time, () -> false)) {
            Deliveries seen = new Deliveries();
            try (Subscription s = live.query(photos.table).refreshUrls(false).subscribe(seen)) {
                assertThat(seen.next(WAIT, "the first result", x -> true).blobUrl(r.id(), "image")).isNotNull();
                Thread.sleep(100);
                assertThat(time.nextDue()).isNull();
            }
        }
    }

    @Test
    void tenThousandRecordsAreReadOnceThenOnlyTheChangedOnes() throws Exception {
        MemoryTable photos = new MemoryTable(schema);
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            UUID id = UUID.randomUUID();
            ids.add(id);
            photos.put(id, String.format("photo %05d", i), i % 2 == 0 ? FAMILY : UUID.randomUUID(), blob(i));
        }
        FakeSigner signer = new FakeSigner(time, Duration.ofHours(1));
        try (LiveQueries live = new LiveQueries(signer, Runnable::run, time, time, () -> false)) {
            Deliveries seen = new Deliveries();
            Query q = live.query(photos.table).where("familyId", FAMILY).orderBy("title").limit(10);
            try (Subscription s = q.subscribe(seen)) {
                QueryResult first = seen.next(WAIT, "the first result", x -> true);
                assertThat(first.data()).hasSize(10);
                assertThat(first.data().get(0).get("title")).isEqualTo("photo 00000");
                assertThat(signer.signatures.get()).isEqualTo(10); // URLs only for the records delivered
                for (int i = 0; i < 50; i++) {
                    UUID id = ids.get(i * 2 + 1);
                    photos.put(id, String.format("photo %05d", i * 2 + 1), FAMILY, blob(i * 2 + 1));
                    live.recordChanged("photos", id);
                }
                QueryResult last = seen.next(WAIT, "the moved records", x -> "photo 00009".equals(
                        x.data().get(x.data().size() - 1).get("title")));
                assertThat(last.data()).extracting(x -> x.get("title")).containsExactly("photo 00000", "photo 00001",
                        "photo 00002", "photo 00003", "photo 00004", "photo 00005", "photo 00006", "photo 00007",
                        "photo 00008", "photo 00009");
                assertThat(photos.lists.get()).isEqualTo(1);
                assertThat(photos.gets.get()).isBetween(1, 50);
                assertThat(signer.signatures.get()).isEqualTo(15);
            }
        }
    }

    /** Records every signal it gets; requests only what the test asks for. */
    static final class Probe implements Flow.Subscriber<QueryResult> {
        final BlockingQueue<Object> signals = new LinkedBlockingQueue<>();
        volatile Flow.Subscription subscription;

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            signals.add("subscribed");
        }

        @Override
        public void onNext(QueryResult r) {
            signals.add(r);
        }

        @Override
        public void onError(Throwable t) {
            signals.add(t);
        }

        @Override
        public void onComplete() {
            signals.add("complete");
        }

        Object next() throws InterruptedException {
            Object o = signals.poll(10, TimeUnit.SECONDS);
            assertThat(o).as("a signal within 10 s").isNotNull();
            return o;
        }

        void assertQuiet() throws InterruptedException {
            assertThat(signals.poll(300, TimeUnit.MILLISECONDS)).isNull();
        }
    }

    @Test
    void publisherDeliversNothingWithoutDemandAndThenOnlyTheLatestResult() throws Exception {
        MemoryTable photos = new MemoryTable(schema);
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(photos.put(UUID.randomUUID(), "v0", FAMILY, null).id());
        }
        ExecutorService subscriberThread = Executors.newSingleThreadExecutor();
        try (LiveQueries live = new LiveQueries(new FakeSigner(time, Duration.ofHours(1)), Runnable::run, time, time,
                () -> false)) {
            Probe probe = new Probe();
            live.query(photos.table).publisher(subscriberThread).subscribe(probe);
            assertThat(probe.next()).isEqualTo("subscribed");
            for (int v = 1; v <= 20; v++) {
                for (UUID id : ids) {
                    photos.put(id, "v" + v, FAMILY, null);
                    live.recordChanged("photos", id);
                }
            }
            probe.assertQuiet();

            probe.subscription.request(1);
            QueryResult first = (QueryResult) probe.next();
            probe.assertQuiet();
            // Conflated: the first result may predate the edits; the next one is the latest.
            if (!first.data().stream().allMatch(r -> "v20".equals(r.get("title")))) {
                probe.subscription.request(1);
                QueryResult latest = (QueryResult) probe.next();
                assertThat(latest.data()).allMatch(r -> "v20".equals(r.get("title")));
                assertThat(latest.changedIds()).containsExactlyInAnyOrderElementsOf(ids);
            }
            assertThat(first.changedIds()).containsExactlyInAnyOrderElementsOf(ids);
            probe.assertQuiet();

            photos.put(ids.get(0), "late", FAMILY, null);
            live.recordChanged("photos", ids.get(0));
            probe.assertQuiet();
            probe.subscription.request(5);
            QueryResult late = (QueryResult) probe.next();
            assertThat(late.changedIds()).containsExactly(ids.get(0));

            probe.subscription.cancel();
            photos.put(ids.get(1), "after cancel", FAMILY, null);
            live.recordChanged("photos", ids.get(1));
            probe.assertQuiet();

            Probe bad = new Probe();
            live.query(photos.table).publisher(subscriberThread).subscribe(bad);
            assertThat(bad.next()).isEqualTo("subscribed");
            bad.subscription.request(0);
            assertThat(bad.next()).isInstanceOf(IllegalArgumentException.class);

            Probe open = new Probe();
            live.query(photos.table).publisher(subscriberThread).subscribe(open);
            assertThat(open.next()).isEqualTo("subscribed");
            open.subscription.request(1);
            assertThat(open.next()).isInstanceOf(QueryResult.class);
            live.close();
            assertThat(open.next()).isEqualTo("complete");
        } finally {
            subscriberThread.shutdownNow();
        }
    }
}

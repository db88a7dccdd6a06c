package dev.blobsync.engine.spi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link DataProvider} meets. A backend's test extends this class and says
 * how to open a provider; {@link #openSecond()} opens another client of the same backend.
 */
public abstract class DataProviderContract {
    protected static final ObjectMapper JSON = new ObjectMapper();
    protected DataProvider provider;

    /** Opens a fresh, empty backend. */
    protected abstract DataProvider openFirst() throws Exception;

    /** Opens a second client of the backend {@link #openFirst()} made. */
    protected abstract DataProvider openSecond() throws Exception;

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

    protected static Mutation upsert(UUID id, long baseRev, ObjectNode fields) {
        return new Mutation(UUID.randomUUID().toString(), "photos", id, baseRev, Mutation.Op.UPSERT, fields);
    }

    @Test
    void insertedRecordIsInTheFeedWithARevision() throws Exception {
        UUID id = UUID.randomUUID();
        List<PushResult> r = provider.push(List.of(upsert(id, 0, fields("title", "Beach"))));
        assertThat(r).singleElement().satisfies(p -> {
            assertThat(p.status()).isEqualTo(PushResult.Status.APPLIED);
            assertThat(p.current().rev()).isPositive();
        });
        ChangePage page = provider.changesSince(0, 100);
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
        assertThat(provider.changesSince(0, 100).changes()).hasSize(1);
    }

    @Test
    void deleteLeavesATombstoneInTheFeed() throws Exception {
        UUID id = UUID.randomUUID();
        long rev = provider.push(List.of(upsert(id, 0, fields("title", "A")))).get(0).current().rev();
        PushResult d = provider.push(List.of(new Mutation(UUID.randomUUID().toString(), "photos", id, rev,
                Mutation.Op.DELETE, JSON.createObjectNode()))).get(0);
        assertThat(d.status()).isEqualTo(PushResult.Status.APPLIED);
        ChangePage page = provider.changesSince(rev, 100);
        assertThat(page.changes()).singleElement().satisfies(c -> assertThat(c.deleted()).isTrue());
    }

    @Test
    void feedPagesInOrderWithoutGaps() throws Exception {
        for (int i = 0; i < 25; i++) {
            provider.push(List.of(upsert(UUID.randomUUID(), 0, fields("n", Integer.toString(i)))));
        }
        List<String> seen = new ArrayList<>();
        long cursor = 0;
        ChangePage page;
        do {
            page = provider.changesSince(cursor, 10);
            page.changes().forEach(c -> seen.add(c.fields().get("n").asText()));
            cursor = page.cursor();
        } while (page.hasMore());
        assertThat(seen).hasSize(25).startsWith("0", "1", "2").endsWith("24");
    }

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
            long cursor = 0;
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
}

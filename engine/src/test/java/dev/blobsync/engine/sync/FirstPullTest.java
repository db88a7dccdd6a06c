package dev.blobsync.engine.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.blobsync.engine.config.ConflictResolution;
import dev.blobsync.engine.event.EventBus;
import dev.blobsync.engine.provider.sqlite.SqliteHubDataProvider;
import dev.blobsync.engine.spi.ChangePage;
import dev.blobsync.engine.spi.DataProvider;
import dev.blobsync.engine.spi.Mutation;
import dev.blobsync.engine.spi.ProviderException;
import dev.blobsync.engine.spi.PushResult;
import dev.blobsync.engine.store.LocalStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whether a local store has ever caught up with the change feed: kept across restarts, set only
 * by a pull that reached the end of the feed, and waited for without waiting on a provider that
 * cannot be reached. The provider is the real sqlite hub behind a switch that makes it fail as an
 * unreachable server would (a retryable {@link ProviderException}).
 */
class FirstPullTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    private SqliteHubDataProvider hub;
    private final AtomicInteger pullsAllowed = new AtomicInteger(Integer.MAX_VALUE);
    private final List<AutoCloseable> closing = new ArrayList<>();

    /** The hub, failing every pull once {@link #pullsAllowed} is used up. */
    private final DataProvider gated = new DataProvider() {
        @Override
        public List<PushResult> push(List<Mutation> mutations) throws ProviderException {
            return hub.push(mutations);
        }

        @Override
        public ChangePage changesSince(String cursor, int limit) throws ProviderException {
            if (pullsAllowed.getAndDecrement() <= 0) {
                throw new ProviderException("connection refused (test: hub switched off)", true);
            }
            return hub.changesSince(cursor, limit);
        }

        @Override
        public String describe() {
            return "switchable " + hub.describe();
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void aHubWith1200Records() throws Exception {
        hub = SqliteHubDataProvider.open(tmp.resolve("hub"));
        List<Mutation> batch = new ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            batch.add(new Mutation(UUID.randomUUID().toString(), "notes", UUID.randomUUID(), 0, Mutation.Op.UPSERT,
                    JSON.createObjectNode().put("title", "n" + i), java.util.Map.of()));
        }
        hub.push(batch);
    }

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        hub.close();
    }

    private SyncLoop loop(LocalStore store) {
        EventBus events = new EventBus();
        SyncLoop loop = new SyncLoop(store, gated, ConflictResolution.LAST_WRITE_WINS, Duration.ofMillis(100), events,
                new HybridClock("test", java.time.Clock.systemUTC()));
        closing.add(events);
        closing.add(loop);
        return loop;
    }

    private LocalStore store() {
        LocalStore store = LocalStore.open(tmp.resolve("local.db"));
        closing.add(store);
        return store;
    }

    @Test
    void aFreshStoreCatchesUpOnceAndRemembersIt() throws Exception {
        LocalStore store = store();
        SyncLoop first = loop(store);
        assertThat(first.caughtUp()).isFalse();
        first.start();
        assertThat(first.awaitCaughtUp(System.nanoTime() + Duration.ofSeconds(60).toNanos())).isTrue();
        assertThat(first.received()).isEqualTo(1200);
        first.close();

        pullsAllowed.set(0);
        SyncLoop restarted = loop(store);
        assertThat(restarted.caughtUp()).as("known from the store before any pull, the hub being off").isTrue();
        restarted.start();
        assertThat(restarted.awaitCaughtUp(System.nanoTime())).isTrue();
    }

    @Test
    void waitingReturnsAtOnceWhileTheProviderIsUnreachableAndAPartPullIsNotCaughtUp() throws Exception {
        LocalStore store = store();
        pullsAllowed.set(1); // one page, then the hub is gone
        SyncLoop loop = loop(store);
        loop.start();
        boolean caughtUp = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> loop.awaitCaughtUp(System.nanoTime() + Duration.ofMinutes(10).toNanos()),
                "waiting for the first pull must not outlast an unreachable provider");
        assertThat(caughtUp).isFalse();
        assertThat(loop.caughtUp()).isFalse();
        assertThat(loop.received()).isEqualTo(FeedPuller.PAGE);
        loop.close();
        assertThat(loop(store).caughtUp()).as("a pull cut short is not a caught-up store").isFalse();

        pullsAllowed.set(Integer.MAX_VALUE);
        SyncLoop again = loop(store);
        again.start();
        assertThat(again.awaitCaughtUp(System.nanoTime() + Duration.ofSeconds(60).toNanos())).isTrue();
        assertThat(again.received()).as("resumed from the stored cursor").isEqualTo(1200 - FeedPuller.PAGE);
    }
}

package dev.blobsync.engine.sync;

import dev.blobsync.engine.event.EventBus;
import dev.blobsync.engine.spi.ChangePage;
import dev.blobsync.engine.spi.Clocks;
import dev.blobsync.engine.spi.DataProvider;
import dev.blobsync.engine.spi.Hlc;
import dev.blobsync.engine.spi.ProviderException;
import dev.blobsync.engine.spi.RemoteRecord;
import dev.blobsync.engine.store.LocalStore;
import dev.blobsync.engine.store.RecordStore;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The pull half of {@link SyncLoop}: follows the provider's change feed from the cursor kept in
 * the local store, a page per local transaction (records and cursor together, so a crash never
 * loses or skips a page). Called on the sync thread only.
 */
final class FeedPuller implements AutoCloseable {
    private static final String CURSOR = "pull.cursor";
    /** Which provider the cursor belongs to: a cache moved to another provider starts its feed anew. */
    private static final String CURSOR_OWNER = "pull.provider";
    /** Present once a pull has reached the end of the feed: this store has caught up, ever. */
    private static final String CAUGHT_UP = "pull.caughtUp";
    static final int PAGE = 1000;

    private final LocalStore store;
    private final DataProvider provider;
    private final EventBus events;
    private final HybridClock hlc;
    private final BooleanSupplier running;
    private final AtomicLong received = new AtomicLong();
    private volatile boolean caughtUp;
    /** Fetches the next page of the feed while the sync thread stores the current one. */
    private final ExecutorService prefetch = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "blobsync-pull-ahead");
        t.setDaemon(true);
        return t;
    });

    FeedPuller(LocalStore store, DataProvider provider, EventBus events, HybridClock hlc, BooleanSupplier running) {
        this.store = store;
        this.provider = provider;
        this.events = events;
        this.hlc = hlc;
        this.running = running;
        this.caughtUp = store.kv(CAUGHT_UP) != null;
    }

    /** True once a pull has reached the end of the feed, in this run or an earlier one (kept in the store). */
    boolean caughtUp() {
        return caughtUp;
    }

    /** Records received from the provider since this process started pulling. */
    long received() {
        return received.get();
    }

    /**
     * Pulls the feed to its end. While one page is written to the local store, the next one is
     * already being fetched (on {@link #prefetch}), so a new device catching up on a large
     * library waits for the network or the disk, not for both in turn.
     */
    void pull() throws ProviderException {
        String cursor = store.read(c -> {
            String owner = LocalStore.kvValue(c, CURSOR_OWNER);
            return owner == null || owner.equals(provider.describe()) ? LocalStore.kvValue(c, CURSOR) : null;
        });
        ChangePage page = provider.changesSince(cursor, PAGE);
        while (running.getAsBoolean()) {
            if (page.changes().isEmpty() && Objects.equals(page.cursor(), cursor)) {
                markCaughtUp();
                return;
            }
            String next = page.cursor();
            CompletableFuture<ChangePage> ahead = page.hasMore() ? fetch(next) : null;
            apply(page, !page.hasMore());
            cursor = next;
            if (ahead == null) {
                return;
            }
            page = await(ahead);
        }
    }

    private CompletableFuture<ChangePage> fetch(String cursor) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return provider.changesSince(cursor, PAGE);
            } catch (ProviderException e) {
                throw new CompletionException(e);
            }
        }, prefetch);
    }

    private static ChangePage await(CompletableFuture<ChangePage> ahead) throws ProviderException {
        try {
            return ahead.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof ProviderException pe) {
                throw pe;
            }
            throw e;
        }
    }

    private void markCaughtUp() {
        if (!caughtUp) {
            store.write(c -> {
                LocalStore.putKv(c, CAUGHT_UP, "true");
                return null;
            });
            caughtUp = true;
        }
    }

    /**
     * Stores one page and its cursor in one local transaction, then tells listeners; the last
     * page of the feed also marks the store as caught up, in the same transaction.
     */
    private void apply(ChangePage page, boolean end) {
        Hlc latest = Hlc.ZERO;
        for (RemoteRecord r : page.changes()) {
            latest = Hlc.max(latest, Clocks.latest(r.clocks()));
        }
        hlc.observe(latest);
        String next = page.cursor();
        List<RemoteRecord> stored = store.write(c -> {
            List<RemoteRecord> changed = RecordStore.putBases(c, page.changes());
            if (!changed.isEmpty() && RecordStore.anyOpenConflict(c)) {
                for (RemoteRecord r : changed) {
                    RecordStore.refreshOpenConflict(c, r);
                }
            }
            LocalStore.putKv(c, CURSOR, next);
            LocalStore.putKv(c, CURSOR_OWNER, provider.describe());
            if (end && !caughtUp) {
                LocalStore.putKv(c, CAUGHT_UP, "true");
            }
            return changed;
        });
        received.addAndGet(page.changes().size());
        if (end) {
            caughtUp = true;
        }
        Map<String, Set<UUID>> seen = new HashMap<>();
        for (RemoteRecord r : stored) {
            if (seen.computeIfAbsent(r.table(), t -> new LinkedHashSet<>()).add(r.id())) {
                events.recordChanged(r.table(), r.id());
            }
        }
    }

    @Override
    public void close() {
        prefetch.shutdownNow();
    }
}

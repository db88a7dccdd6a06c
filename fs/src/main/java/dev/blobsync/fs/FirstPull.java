package dev.blobsync.fs;

import dev.blobsync.engine.PullState;
import dev.blobsync.engine.SyncEngine;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first pull of a cache that has never caught up with the data provider, as the mount
 * shows it. Until it has caught up, a table folder is {@code loading}: a listing of it waits for
 * the pull, up to {@link FsOptions#firstListingWait()} (not at all while the provider is
 * unreachable), and shows what is there after that. Once the engine reports the pull caught up,
 * each {@link TableIndex} reads its table again ({@link TableIndex#catchUp()}) and is marked
 * complete, so a listing that stops waiting holds every record the pull brought.
 *
 * <p>A cache that caught up before (an earlier run) is complete from the start and never waits.
 * The watching thread is the mount's own and ends with it. The rereading runs on the executor
 * that delivers the live queries to the indexes, so it never interleaves with a delivery.
 */
final class FirstPull {
    private static final Logger LOG = LoggerFactory.getLogger(FirstPull.class);
    /** How long the watcher sleeps between checks while the provider is unreachable. */
    private static final Duration RETRY = Duration.ofSeconds(1);

    private final SyncEngine engine;
    private final Collection<TableIndex> tables;
    private final Duration listingWait;
    private final CountDownLatch loaded = new CountDownLatch(1);
    // guarded by this
    private Thread watcher;
    private Executor refresher;

    FirstPull(SyncEngine engine, Collection<TableIndex> tables, Duration listingWait) {
        this.engine = engine;
        this.tables = tables;
        this.listingWait = listingWait;
    }

    /**
     * Marks every table complete at once when the cache caught up before, else starts watching.
     *
     * @param refresher the single thread that applies live-query deliveries to the indexes
     */
    synchronized void start(Executor refresher) {
        this.refresher = refresher;
        if (engine.pullState().caughtUp()) {
            markLoaded();
            return;
        }
        LOG.info("this cache has not caught up with the data provider yet: tables show as loading until the"
                + " first pull is done");
        watcher = new Thread(this::watch, "blobsync-fs-first-pull");
        watcher.setDaemon(true);
        watcher.start();
    }

    synchronized void stop() {
        if (watcher != null) {
            watcher.interrupt();
            watcher = null;
        }
    }

    private void watch() {
        while (!Thread.currentThread().isInterrupted()) {
            PullState state = engine.awaitCaughtUp(Duration.ofMinutes(1));
            if (state.caughtUp()) {
                Executor on;
                synchronized (this) {
                    on = refresher;
                }
                try {
                    CompletableFuture.runAsync(() -> tables.forEach(TableIndex::catchUp), on).get();
                } catch (InterruptedException e) {
                    // Unmounting: the refresh thread may already be gone, and the mount with it.
                    return;
                } catch (ExecutionException | RuntimeException e) {
                    // The live queries keep the indexes current anyway; only the reread failed.
                    LOG.warn("reading the tables after the first pull failed: {}", e.toString());
                }
                markLoaded();
                LOG.info("the first pull has caught up ({} records received)", state.received());
                return;
            }
            try {
                // Not caught up: the provider is unreachable, or the pull is long. Ask again.
                Thread.sleep(RETRY.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void markLoaded() {
        tables.forEach(TableIndex::markComplete);
        loaded.countDown();
    }

    /** True once every table holds what the first pull brought (or the cache caught up before). */
    boolean loaded() {
        return loaded.getCount() == 0;
    }

    /**
     * Before a table is listed: waits until the first pull has caught up and the tables hold
     * it, up to the configured bound; returns at once when the provider is unreachable.
     */
    void awaitBeforeListing() {
        if (loaded()) {
            return;
        }
        long deadline = System.nanoTime() + listingWait.toNanos();
        PullState state = engine.awaitCaughtUp(listingWait);
        if (!state.caughtUp()) {
            return;
        }
        try {
            loaded.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Records received from the data provider since the engine opened. */
    long received() {
        return engine.pullState().received();
    }
}

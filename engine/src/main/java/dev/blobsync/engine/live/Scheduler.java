package dev.blobsync.engine.live;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs tasks after a delay: the timer behind blob URL refreshes, injected so that tests drive it
 * with a fake clock instead of sleeping.
 */
public interface Scheduler extends AutoCloseable {

    /** A scheduled task; cancelling one that ran or was cancelled does nothing. */
    interface Task {
        void cancel();
    }

    /** Runs {@code task} once after {@code delay} (at once for a zero or negative delay). */
    Task schedule(Duration delay, Runnable task);

    /** Drops what has not run yet. */
    @Override
    void close();

    /** A scheduler on one daemon thread of its own, named {@code threadName}. */
    static Scheduler system(String threadName) {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        return new Scheduler() {
            @Override
            public Task schedule(Duration delay, Runnable task) {
                ScheduledFuture<?> f = executor.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
                return () -> f.cancel(false);
            }

            @Override
            public void close() {
                executor.shutdownNow();
            }
        };
    }
}

package dev.blobsync.engine.testing;

import dev.blobsync.engine.QueryResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** Collects the results a live query delivers, with the thread each came on, and waits for them. */
public final class Deliveries implements Consumer<QueryResult> {
    private final List<QueryResult> results = new ArrayList<>();
    private final List<String> threads = new ArrayList<>();
    private int seen;

    @Override
    public synchronized void accept(QueryResult r) {
        results.add(r);
        threads.add(Thread.currentThread().getName());
        notifyAll();
    }

    /**
     * Waits for a delivery after the last one returned here that satisfies {@code wanted}; fails
     * the test when none comes within {@code timeout}.
     */
    public synchronized QueryResult next(Duration timeout, String what, Predicate<QueryResult> wanted)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            while (seen < results.size()) {
                QueryResult r = results.get(seen++);
                if (wanted.test(r)) {
                    return r;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no delivery of " + what + " within " + timeout + "; got " + results);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    public synchronized List<QueryResult> all() {
        return List.copyOf(results);
    }

    public synchronized List<String> threads() {
        return List.copyOf(threads);
    }

    public synchronized int count() {
        return results.size();
    }
}

package dev.blobsync.engine.live;

import dev.blobsync.engine.QueryResult;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands the results of one subscription to its subscriber on {@code executor}: one at a time,
 * only on demand, conflated. The query thread {@link #offer}s results without ever waiting; only
 * the latest undelivered one is kept, so a subscriber that is slow or requests nothing costs one
 * result of memory, never a backlog.
 *
 * <p>Signals are serialised by a work-in-progress counter (one drain runs at a time, on the
 * executor); {@code deliveryLock} is held while a drain calls the subscriber, so that
 * {@link #close()} can wait for a delivery under way. It is the only lock here and nothing else
 * is taken while it is held, except what the subscriber itself takes.
 */
final class Delivery implements Flow.Subscription {
    private static final Logger LOG = LoggerFactory.getLogger(Delivery.class);

    private final Executor executor;
    private final Flow.Subscriber<? super QueryResult> subscriber;
    private final Runnable onCancel;
    private final AtomicReference<QueryResult> pending = new AtomicReference<>();
    private final AtomicLong demand = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();
    private final ReentrantLock deliveryLock = new ReentrantLock();
    private final AtomicReference<Throwable> badRequest = new AtomicReference<>();
    private volatile boolean cancelled;
    private volatile boolean completing;
    // confined to the drain (guarded by deliveryLock)
    private boolean started;
    private boolean terminated;

    /** @param onCancel told once when the subscriber cancels or the handle is closed */
    Delivery(Executor executor, Flow.Subscriber<? super QueryResult> subscriber, Runnable onCancel) {
        this.executor = executor;
        this.subscriber = subscriber;
        this.onCancel = onCancel;
    }

    /** Makes {@code result} the next one to deliver, replacing (and absorbing) any undelivered one. */
    void offer(QueryResult result) {
        if (cancelled) {
            return;
        }
        pending.accumulateAndGet(result, (older, newer) -> newer.replacing(older));
        signal();
    }

    /** Ends the stream with onComplete once the undelivered result (if any demand takes it) is out. */
    void complete() {
        completing = true;
        signal();
    }

    boolean cancelled() {
        return cancelled;
    }

    /** Calls onSubscribe now rather than with the first result. */
    void start() {
        signal();
    }

    @Override
    public void request(long n) {
        if (n <= 0) {
            badRequest.compareAndSet(null, new IllegalArgumentException(
                    "request(" + n + "): a subscriber must request a positive number (reactive streams §3.9)"));
        } else {
            demand.accumulateAndGet(n, (have, more) -> have + more < 0 ? Long.MAX_VALUE : have + more);
        }
        signal();
    }

    @Override
    public void cancel() {
        if (!cancelled) {
            cancelled = true;
            pending.set(null);
            onCancel.run();
        }
    }

    /** Cancels, then waits for a delivery under way on another thread: none starts after this returns. */
    void close() {
        cancel();
        deliveryLock.lock();
        deliveryLock.unlock();
    }

    private void signal() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        try {
            executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
            wip.set(0); // the executor is shut down: nothing will be delivered any more
        }
    }

    private void drain() {
        int missed = 1;
        deliveryLock.lock();
        try {
            do {
                if (!started) {
                    started = true;
                    if (!cancelled && !call(() -> subscriber.onSubscribe(this))) {
                        return;
                    }
                }
                while (!cancelled && !terminated) {
                    Throwable bad = badRequest.get();
                    if (bad != null) {
                        terminated = true;
                        cancel();
                        call(() -> subscriber.onError(bad));
                        break;
                    }
                    long d = demand.get();
                    if (d == 0) {
                        break;
                    }
                    QueryResult r = pending.getAndSet(null);
                    if (r == null) {
                        break;
                    }
                    if (d != Long.MAX_VALUE) {
                        demand.decrementAndGet();
                    }
                    if (!call(() -> subscriber.onNext(r))) {
                        return;
                    }
                }
                if (completing && !cancelled && !terminated && (pending.get() == null || demand.get() == 0)) {
                    terminated = true;
                    call(subscriber::onComplete);
                }
                missed = wip.addAndGet(-missed);
            } while (missed != 0);
        } finally {
            deliveryLock.unlock();
        }
    }

    /** Runs a signal; a subscriber that throws is treated as cancelled (reactive streams §2.13). */
    private boolean call(Runnable signal) {
        try {
            signal.run();
            return true;
        } catch (RuntimeException e) {
            LOG.warn("A query subscriber failed and is cancelled: {}", subscriber, e);
            terminated = true;
            cancel();
            return false;
        }
    }
}

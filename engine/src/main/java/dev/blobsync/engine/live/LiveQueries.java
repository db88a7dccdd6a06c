package dev.blobsync.engine.live;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.BlobUrl;
import dev.blobsync.engine.Query;
import dev.blobsync.engine.QueryResult;
import dev.blobsync.engine.Subscription;
import dev.blobsync.engine.Table;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's live queries: one thread ({@code blobsync-queries}) keeps a {@link TableView} of
 * each watched table, applies record changes to every subscription on it, and hands each new
 * result to the subscription's {@link Delivery}. Internal to the engine.
 *
 * <p>Writers are never held up: {@link #recordChanged} (called on the writing thread) only notes
 * the id under {@code lock} and wakes the thread; changes of one table noted while the thread is
 * busy are read in one batch and give one delivery. Everything else happens on the query thread
 * as a command, so views and subscriptions need no locks. {@code lock} is the only lock; nothing
 * else is taken while it is held.
 */
public final class LiveQueries implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveQueries.class);

    /** Where blob URLs come from: the engine's {@code blobUrlWithExpiry}. */
    @FunctionalInterface
    public interface UrlSource {
        Optional<BlobUrl> urlOf(BlobRef ref);
    }

    private final UrlSource urls;
    private final Executor events;
    private final Clock clock;
    private final Scheduler scheduler;
    private final BooleanSupplier loading;
    private final Thread thread;
    private final Set<String> watched = ConcurrentHashMap.newKeySet();
    private final LiveSubscription.Context context;

    private final Object lock = new Object();
    // guarded by lock
    private final Map<String, Set<UUID>> dirty = new HashMap<>();
    private final ArrayDeque<Runnable> commands = new ArrayDeque<>();
    private boolean closed;

    // confined to the query thread
    private final Map<String, TableView> views = new HashMap<>();

    /**
     * @param urls      blob URLs for deliveries
     * @param events    where listeners run by default (the events thread)
     * @param clock     the time URLs are renewed by; must agree with {@code scheduler}
     * @param scheduler runs URL renewals
     * @param loading   true until the engine's first pull has completed
     */
    public LiveQueries(UrlSource urls, Executor events, Clock clock, Scheduler scheduler, BooleanSupplier loading) {
        this.urls = urls;
        this.events = events;
        this.clock = clock;
        this.scheduler = scheduler;
        this.loading = loading;
        this.context = new LiveSubscription.Context() {
            @Override
            public Optional<BlobUrl> urlOf(BlobRef ref) {
                return LiveQueries.this.urls.urlOf(ref);
            }

            @Override
            public Instant now() {
                return LiveQueries.this.clock.instant();
            }

            @Override
            public boolean loading() {
                return LiveQueries.this.loading.getAsBoolean();
            }

            @Override
            public Scheduler.Task scheduleRefresh(LiveSubscription sub, Instant at) {
                return schedule(sub, at);
            }
        };
        this.thread = new Thread(this::loop, "blobsync-queries");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Every record of {@code table} as a query. */
    public Query query(Table table) {
        return new DefaultQuery(this, table, QuerySpec.all(table.schema()));
    }

    /** Notes that a record changed; called on the thread that changed it, so it only notes. */
    public void recordChanged(String table, UUID id) {
        if (!watched.contains(table)) {
            return;
        }
        synchronized (lock) {
            if (!closed) {
                dirty.computeIfAbsent(table, t -> new LinkedHashSet<>()).add(id);
                lock.notifyAll();
            }
        }
    }

    /** Blobs left the cache: URLs of them handed out as {@code file:} URLs are replaced. */
    public void blobsEvicted(List<String> shas) {
        Set<String> set = Set.copyOf(shas);
        post(() -> forEachSubscription(s -> {
            s.blobsEvicted(set);
            s.publish(context);
        }));
    }

    /** The engine's first pull completed: results stop being {@code isLoading}. */
    public void loaded() {
        post(() -> forEachSubscription(s -> s.publish(context)));
    }

    Subscription subscribe(Table table, QuerySpec spec, Consumer<? super QueryResult> listener) {
        Flow.Subscriber<QueryResult> sink = new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(QueryResult r) {
                try {
                    listener.accept(r);
                } catch (RuntimeException e) {
                    LOG.warn("A listener of a query on {} failed", table.name(), e);
                }
            }

            @Override
            public void onError(Throwable t) {
                LOG.warn("A query on {} stopped", table.name(), t);
            }

            @Override
            public void onComplete() {
            }
        };
        return start(table, spec, events, sink)::close;
    }

    /** @param executor where the subscriber is called; {@code null} for the events thread */
    Flow.Publisher<QueryResult> publisher(Table table, QuerySpec spec, Executor executor) {
        Executor on = executor == null ? events : executor;
        return subscriber -> {
            if (subscriber == null) {
                throw new NullPointerException("subscriber (reactive streams §1.9)");
            }
            start(table, spec, on, subscriber).start();
        };
    }

    private Delivery start(Table table, QuerySpec spec, Executor executor, Flow.Subscriber<? super QueryResult> s) {
        LiveSubscription[] sub = new LiveSubscription[1];
        Delivery d = new Delivery(executor, s, () -> post(() -> stop(sub[0])));
        sub[0] = new LiveSubscription(table.name(), spec, d);
        post(() -> begin(table, sub[0]));
        return d;
    }

    private void begin(Table table, LiveSubscription sub) {
        if (sub.delivery.cancelled()) {
            return;
        }
        TableView view = views.get(table.name());
        if (view == null) {
            view = new TableView(table);
            // Watch before reading, so that no change falls between the read and the first note.
            watched.add(table.name());
            try {
                view.load();
            } catch (RuntimeException e) {
                LOG.warn("Could not read table {} for a query", table.name(), e);
                sub.readFailed(e);
            }
            views.put(table.name(), view);
        }
        sub.load(view.records());
        view.subscriptions.add(sub);
        sub.publish(context);
    }

    private void stop(LiveSubscription sub) {
        if (sub == null) {
            return;
        }
        sub.cancelRefresh();
        TableView view = views.get(sub.table);
        if (view != null && view.subscriptions.remove(sub) && view.subscriptions.isEmpty()) {
            views.remove(sub.table);
            watched.remove(sub.table);
        }
    }

    private Scheduler.Task schedule(LiveSubscription sub, Instant at) {
        Duration delay = Duration.between(clock.instant(), at);
        try {
            return scheduler.schedule(delay, () -> post(() -> {
                if (!sub.delivery.cancelled()) {
                    sub.refreshUrls(context);
                }
            }));
        } catch (RuntimeException e) {
            return () -> { }; // closing
        }
    }

    private void forEachSubscription(Consumer<LiveSubscription> action) {
        for (TableView v : new ArrayList<>(views.values())) {
            for (LiveSubscription s : new ArrayList<>(v.subscriptions)) {
                action.accept(s);
            }
        }
    }

    private void post(Runnable command) {
        synchronized (lock) {
            if (!closed) {
                commands.add(command);
                lock.notifyAll();
            }
        }
    }

    private void loop() {
        while (true) {
            List<Runnable> todo;
            Map<String, Set<UUID>> changed;
            synchronized (lock) {
                while (!closed && commands.isEmpty() && dirty.isEmpty()) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                todo = new ArrayList<>(commands);
                commands.clear();
                changed = new HashMap<>(dirty);
                dirty.clear();
            }
            for (Runnable command : todo) {
                try {
                    command.run();
                } catch (RuntimeException e) {
                    LOG.error("A live query command failed", e);
                }
            }
            changed.forEach(this::refresh);
        }
    }

    private void refresh(String table, Set<UUID> ids) {
        TableView view = views.get(table);
        if (view == null) {
            return;
        }
        List<TableView.Change> changes;
        try {
            changes = view.refresh(ids);
        } catch (RuntimeException e) {
            LOG.warn("Could not read changes of table {} for live queries", table, e);
            for (LiveSubscription s : view.subscriptions) {
                s.readFailed(e);
                s.publish(context);
            }
            return;
        }
        for (LiveSubscription s : new ArrayList<>(view.subscriptions)) {
            try {
                s.readSucceeded();
                s.apply(changes);
                s.publish(context);
            } catch (RuntimeException e) {
                LOG.error("A live query on {} failed to update", table, e);
            }
        }
    }

    /** Stops the query thread; Flow subscribers get onComplete, listeners simply hear no more. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        scheduler.close();
        for (TableView v : views.values()) {
            for (LiveSubscription s : v.subscriptions) {
                s.cancelRefresh();
                s.delivery.complete();
            }
        }
        views.clear();
        watched.clear();
    }
}

package dev.blobsync.engine.event;

import dev.blobsync.engine.ChangeListener;
import dev.blobsync.engine.Subscription;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers record changes and typed events to listeners on one thread of its own, so a slow
 * listener never blocks a write, a FUSE callback or the sync loop. Progress events of one
 * upload are coalesced while undelivered, and so are changes of one record, so a slow listener
 * makes the queue grow with the number of records changed, not of changes. Internal to the
 * engine.
 *
 * <p>Change sinks (live queries) are told synchronously, on the thread that made the change:
 * they only note the id, and must not block or call back into the engine.
 */
public final class EventBus implements AutoCloseable, java.util.concurrent.Executor {
    private static final Logger LOG = LoggerFactory.getLogger(EventBus.class);

    private record RecordKey(String table, UUID id) {
    }

    private record Typed<E extends EngineEvent>(Class<E> type, Consumer<? super E> listener) {
        void deliver(EngineEvent e) {
            if (type.isInstance(e)) {
                listener.accept(type.cast(e));
            }
        }
    }

    private final List<ChangeListener> changeListeners = new CopyOnWriteArrayList<>();
    private final List<ChangeListener> changeSinks = new CopyOnWriteArrayList<>();
    /** Records whose change is scheduled for delivery and not yet taken by the events thread. */
    private final java.util.Set<RecordKey> undeliveredChanges = ConcurrentHashMap.newKeySet();
    private final List<Typed<?>> typed = new CopyOnWriteArrayList<>();
    private final ConcurrentMap<String, UploadProgress> latestProgress = new ConcurrentHashMap<>();
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "blobsync-events");
        t.setDaemon(true);
        return t;
    });

    public void addChangeListener(ChangeListener l) {
        changeListeners.add(l);
    }

    public void removeChangeListener(ChangeListener l) {
        changeListeners.remove(l);
    }

    public <E extends EngineEvent> Subscription subscribe(Class<E> type, Consumer<? super E> listener) {
        Typed<E> t = new Typed<>(type, listener);
        typed.add(t);
        return () -> typed.remove(t);
    }

    /** Adds a listener told at once, on the changing thread; it must only take note and return. */
    public void addChangeSink(ChangeListener sink) {
        changeSinks.add(sink);
    }

    /**
     * Tells every change sink now, and every change listener later on the events thread, that a
     * record changed. A change of a record whose last change is still undelivered is not queued
     * again: listeners read the record when told, so they see both.
     */
    public void recordChanged(String table, UUID id) {
        for (ChangeListener sink : changeSinks) {
            try {
                sink.recordChanged(table, id);
            } catch (RuntimeException e) {
                LOG.warn("A change sink failed for {}/{}", table, id, e);
            }
        }
        if (changeListeners.isEmpty()) {
            return;
        }
        RecordKey key = new RecordKey(table, id);
        if (!undeliveredChanges.add(key)) {
            return;
        }
        run(() -> {
            undeliveredChanges.remove(key);
            for (ChangeListener l : changeListeners) {
                try {
                    l.recordChanged(table, id);
                } catch (RuntimeException e) {
                    LOG.warn("A change listener failed for {}/{}", table, id, e);
                }
            }
        });
    }

    /** Publishes {@code event} to the listeners of its type. */
    public void publish(EngineEvent event) {
        if (typed.isEmpty()) {
            return;
        }
        if (event instanceof UploadProgress p) {
            if (latestProgress.put(p.id(), p) != null) {
                return; // a delivery of this upload's progress is already scheduled; it takes the latest
            }
            run(() -> deliver(latestProgress.remove(p.id())));
            return;
        }
        run(() -> deliver(event));
    }

    private void deliver(EngineEvent event) {
        if (event == null) {
            return;
        }
        for (Typed<?> t : typed) {
            try {
                t.deliver(event);
            } catch (RuntimeException e) {
                LOG.warn("An event listener failed for {}", event, e);
            }
        }
    }

    /** Runs {@code task} on the events thread after what is queued; dropped once closed. */
    @Override
    public void execute(Runnable task) {
        run(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("A task on the events thread failed", e);
            }
        });
    }

    private void run(Runnable r) {
        try {
            executor.execute(r);
        } catch (RejectedExecutionException e) {
            // Closing: nobody is listening any more.
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}

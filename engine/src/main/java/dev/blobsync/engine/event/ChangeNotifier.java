package dev.blobsync.engine.event;

import dev.blobsync.engine.ChangeListener;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers record changes to listeners on one engine thread of its own, so a slow listener
 * never blocks a write or a FUSE callback. Internal to the engine.
 */
public final class ChangeNotifier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChangeNotifier.class);

    private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "blobsync-events");
        t.setDaemon(true);
        return t;
    });

    public void add(ChangeListener l) {
        listeners.add(l);
    }

    public void remove(ChangeListener l) {
        listeners.remove(l);
    }

    /** Tells every listener, later and on the events thread, that a record changed. */
    public void fire(String table, UUID id) {
        if (listeners.isEmpty()) {
            return;
        }
        try {
            executor.execute(() -> {
                for (ChangeListener l : listeners) {
                    try {
                        l.recordChanged(table, id);
                    } catch (RuntimeException e) {
                        LOG.warn("A change listener failed for {}/{}", table, id, e);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            // Closing: nobody is listening any more.
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}

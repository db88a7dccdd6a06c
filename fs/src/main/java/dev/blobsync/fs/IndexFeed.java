package dev.blobsync.fs;

import dev.blobsync.engine.QueryResult;
import dev.blobsync.engine.Record;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Flow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one {@link TableIndex} current from a live query of its whole table, delivered on the
 * filesystem's own refresh thread: an app's slow listener on the engine's events thread never
 * delays what {@code ls} shows.
 *
 * <p>The query says which records changed; the index reads each of those again itself rather
 * than taking the delivered copy, because a write made through this mount may land between the
 * query's read and this delivery, and {@link TableIndex#refresh} is what keeps the newer one.
 * Records the index already holds as delivered are skipped, so the first delivery after
 * {@link TableIndex#load()} costs no reads.
 */
final class IndexFeed implements Flow.Subscriber<QueryResult> {
    private static final Logger LOG = LoggerFactory.getLogger(IndexFeed.class);

    private final TableIndex index;
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;

    IndexFeed(TableIndex index) {
        this.index = index;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (cancelled) {
            s.cancel();
        } else {
            s.request(Long.MAX_VALUE);
        }
    }

    @Override
    public void onNext(QueryResult result) {
        if (result.changedIds().isEmpty()) {
            return;
        }
        Map<UUID, Record> delivered = new HashMap<>(result.data().size() * 2);
        for (Record r : result.data()) {
            delivered.put(r.id(), r);
        }
        for (UUID id : result.changedIds()) {
            if (cancelled) {
                return;
            }
            Record fresh = delivered.get(id);
            TableIndex.Entry held = index.byId(id);
            if (fresh == null ? held == null : held != null && fresh.equals(held.record())) {
                continue;
            }
            try {
                index.refresh(id);
            } catch (RuntimeException e) {
                LOG.warn("could not refresh record {} of {}: {}", id, index.name(), e.toString());
            }
        }
    }

    @Override
    public void onError(Throwable t) {
        LOG.warn("the live query behind folder {} stopped: {}", index.name(), t.toString());
    }

    @Override
    public void onComplete() {
        // The engine closed; the mount is being torn down as well.
    }

    void cancel() {
        cancelled = true;
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }
}

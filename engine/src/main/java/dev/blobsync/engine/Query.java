package dev.blobsync.engine;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.function.Consumer;

/**
 * A query over one table that can be watched: the RFC's {@code useSync(sync.photos.where(...),
 * {includeBlobs, refreshUrls})}. Get one from {@link Table#query()} or {@link Table#where}; each
 * method returns a new, immutable query.
 *
 * <p>Filters are coerced by the schema as writes are (an ISO-8601 string for a datetime, a
 * string for a uuid) and checked at once: an unknown field, a value that does not fit, or a range
 * on a type without an order throws {@link InvalidException} naming the field. Ranges work on
 * {@code string}, {@code int}, {@code float}, {@code datetime} and {@code uuid} fields and on
 * {@code id}; strings and uuids compare by their text.
 *
 * <p>Without {@link #orderBy} records come in the order of {@link Table#list()}: by last change,
 * then id. Records that lack an ordering field come after those that have it, in either direction.
 *
 * <p>{@link #subscribe} and {@link #publisher} deliver the current result first, then a new one
 * after each change to it: local writes at once (before they are synced), remote changes when they
 * are pulled. Deliveries are conflated: a subscriber that is slow, or has no demand, gets the
 * latest result when it is ready for one, never a backlog, and {@link QueryResult#changedIds()}
 * covers every result it missed. Evaluation is incremental, in memory, on an engine thread of its
 * own; subscribers never run on the caller's thread, a FUSE thread or an engine worker.
 */
public interface Query {

    /** Sort direction for {@link #orderBy(String, Direction)}. */
    enum Direction { ASCENDING, DESCENDING }

    /** The table queried. */
    String table();

    /** Keeps records whose {@code field} equals {@code value}; a {@code null} value keeps records that lack it. */
    Query where(String field, Object value);

    /**
     * Keeps records whose {@code field} compares to {@code value} by {@code operator}: one of
     * {@code =}, {@code <}, {@code <=}, {@code >}, {@code >=}. Records that lack the field never
     * match a range.
     */
    Query where(String field, String operator, Object value);

    /** {@link #where(String, Object)} for each entry, as the RFC's {@code where({familyId})}. */
    Query where(Map<String, ?> equalities);

    /** Orders by {@code field}, ascending; a second call adds a tie-breaker. */
    Query orderBy(String field);

    Query orderBy(String field, Direction direction);

    /** At most {@code limit} records (the first ones in order). */
    Query limit(int limit);

    /**
     * The blob fields whose URLs come with each delivery (default: every blob field of the table;
     * none when called without arguments).
     */
    Query includeBlobs(String... fields);

    /**
     * Whether a delivery follows before a handed-out URL expires, with fresh URLs (default true).
     * URLs are never refreshed for a subscriber that stopped listening.
     */
    Query refreshUrls(boolean refresh);

    /** The current result, once, read from the local store; without blob URLs. */
    List<Record> list();

    /**
     * Calls {@code listener} with the current result, then after every change, on the engine's
     * events thread (like {@link SyncEngine#on}). A slow listener delays other listeners but never
     * a write. Closing the returned handle stops deliveries: none starts after {@code close}
     * returns.
     */
    Subscription subscribe(Consumer<? super QueryResult> listener);

    /**
     * The query as a reactive-streams publisher delivering on the engine's events thread. Honours
     * {@code request(n)}: nothing is delivered without demand, and what changes meanwhile is
     * conflated into the next result. {@code cancel()} ends the subscription; {@code onComplete}
     * follows when the engine closes.
     */
    Flow.Publisher<QueryResult> publisher();

    /** Like {@link #publisher()}, delivering on {@code executor} instead of the events thread. */
    Flow.Publisher<QueryResult> publisher(Executor executor);
}

package dev.blobsync.engine.live;

import dev.blobsync.engine.Query;
import dev.blobsync.engine.QueryResult;
import dev.blobsync.engine.Record;
import dev.blobsync.engine.Subscription;
import dev.blobsync.engine.Table;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.function.Consumer;

/** The {@link Query} of a table: an immutable spec, checked as it is built. */
final class DefaultQuery implements Query {
    private final LiveQueries live;
    private final Table table;
    private final QuerySpec spec;

    DefaultQuery(LiveQueries live, Table table, QuerySpec spec) {
        this.live = live;
        this.table = table;
        this.spec = spec;
    }

    private Query with(QuerySpec next) {
        return new DefaultQuery(live, table, next);
    }

    @Override
    public String table() {
        return table.name();
    }

    @Override
    public Query where(String field, Object value) {
        return with(spec.withFilter(field, "=", value));
    }

    @Override
    public Query where(String field, String operator, Object value) {
        return with(spec.withFilter(field, operator, value));
    }

    @Override
    public Query where(Map<String, ?> equalities) {
        QuerySpec next = spec;
        for (Map.Entry<String, ?> e : equalities.entrySet()) {
            next = next.withFilter(e.getKey(), "=", e.getValue());
        }
        return with(next);
    }

    @Override
    public Query orderBy(String field) {
        return orderBy(field, Direction.ASCENDING);
    }

    @Override
    public Query orderBy(String field, Direction direction) {
        return with(spec.withOrder(field, direction));
    }

    @Override
    public Query limit(int limit) {
        return with(spec.withLimit(limit));
    }

    @Override
    public Query includeBlobs(String... fields) {
        return with(spec.withBlobFields(fields));
    }

    @Override
    public Query refreshUrls(boolean refresh) {
        return with(spec.withRefreshUrls(refresh));
    }

    @Override
    public List<Record> list() {
        return List.copyOf(spec.evaluate(table.list()));
    }

    @Override
    public Subscription subscribe(Consumer<? super QueryResult> listener) {
        Objects.requireNonNull(listener, "listener");
        return live.subscribe(table, spec, listener);
    }

    @Override
    public Flow.Publisher<QueryResult> publisher() {
        return live.publisher(table, spec, null);
    }

    @Override
    public Flow.Publisher<QueryResult> publisher(Executor executor) {
        return live.publisher(table, spec, Objects.requireNonNull(executor, "executor"));
    }

    @Override
    public String toString() {
        return "query on " + table.name() + " " + spec.filters() + " order " + spec.orders() + " limit " + spec.limit();
    }
}

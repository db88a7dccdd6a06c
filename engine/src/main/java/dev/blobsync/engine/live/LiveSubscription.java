package dev.blobsync.engine.live;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.BlobUrl;
import dev.blobsync.engine.QueryResult;
import dev.blobsync.engine.Record;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The evaluation state of one subscription: the matching records in order, the window of them
 * delivered last, and the blob URLs handed out for that window with when to renew them. Updated
 * incrementally from record changes; confined to the query thread.
 */
final class LiveSubscription {
    /** How soon to try again when the provider could not give a URL. */
    static final Duration URL_RETRY = Duration.ofSeconds(10);
    /** The shortest wait before asking again for a URL the engine has not renewed yet. */
    static final Duration MIN_REFRESH_WAIT = Duration.ofSeconds(1);

    /** What evaluation needs from its surroundings. */
    interface Context {
        Optional<BlobUrl> urlOf(BlobRef ref);

        Instant now();

        boolean loading();

        /** Arranges for {@link #refreshUrls} to run on the query thread at {@code at}. */
        Scheduler.Task scheduleRefresh(LiveSubscription sub, Instant at);
    }

    /** A URL handed out and when to ask for a new one; {@code url} is null after a failure. */
    private record UrlEntry(BlobRef ref, BlobUrl url, Instant renewAt) {
    }

    final String table;
    final QuerySpec spec;
    final Delivery delivery;
    private final TreeSet<Record> matches;
    private final Map<UUID, Record> matchById = new HashMap<>();
    private Map<UUID, Record> window = Map.of();
    private List<Record> windowList = List.of();
    private final Map<UUID, Map<String, UrlEntry>> urls = new HashMap<>();
    private final Map<UUID, Map<String, URI>> uriMaps = new HashMap<>();
    private final Set<UUID> urlsChanged = new LinkedHashSet<>();
    private Throwable readError;
    private Throwable urlError;
    private boolean published;
    private boolean lastLoading;
    private Throwable lastError;
    private Scheduler.Task refreshTask;
    private Instant refreshAt = Instant.MAX;

    LiveSubscription(String table, QuerySpec spec, Delivery delivery) {
        this.table = table;
        this.spec = spec;
        this.delivery = delivery;
        this.matches = new TreeSet<>(spec.comparator());
    }

    void load(Collection<Record> records) {
        for (Record r : records) {
            if (spec.matches(r)) {
                matches.add(r);
                matchById.put(r.id(), r);
            }
        }
    }

    void apply(List<TableView.Change> changes) {
        for (TableView.Change c : changes) {
            Record old = matchById.remove(c.id());
            if (old != null) {
                matches.remove(old);
            }
            if (c.after() != null && spec.matches(c.after())) {
                matches.add(c.after());
                matchById.put(c.id(), c.after());
            }
        }
    }

    void readFailed(Throwable e) {
        readError = e;
    }

    void readSucceeded() {
        readError = null;
    }

    /** Blobs left the cache: their {@code file:} URLs no longer work. */
    void blobsEvicted(Set<String> shas) {
        for (Map.Entry<UUID, Map<String, UrlEntry>> e : urls.entrySet()) {
            for (UrlEntry u : e.getValue().values()) {
                if (shas.contains(u.ref().sha256())) {
                    urlsChanged.add(e.getKey());
                    break;
                }
            }
        }
    }

    /** Asks again for every URL due for renewal, then publishes what changed. */
    void refreshUrls(Context ctx) {
        refreshTask = null;
        refreshAt = Instant.MAX;
        Instant now = ctx.now();
        for (Map.Entry<UUID, Map<String, UrlEntry>> e : urls.entrySet()) {
            for (UrlEntry u : e.getValue().values()) {
                if (!u.renewAt().isAfter(now)) {
                    urlsChanged.add(e.getKey());
                    break;
                }
            }
        }
        publish(ctx);
    }

    /** Delivers the current result when it differs from the last one delivered (always the first time). */
    void publish(Context ctx) {
        Instant now = ctx.now();
        List<Record> next = new ArrayList<>(spec.limit() >= 0 ? Math.min(spec.limit(), matches.size()) : matches.size());
        Iterator<Record> it = matches.iterator();
        while (it.hasNext() && (spec.limit() < 0 || next.size() < spec.limit())) {
            next.add(it.next());
        }
        Set<UUID> changed = new LinkedHashSet<>();
        Map<UUID, Record> nextById = new HashMap<>(next.size() * 2);
        boolean urlFailed = false;
        for (Record r : next) {
            nextById.put(r.id(), r);
            Record old = window.get(r.id());
            boolean recordChanged = !r.equals(old);
            if (recordChanged || urlsChanged.contains(r.id()) || hasFailedUrl(r.id())) {
                if (recordChanged) {
                    changed.add(r.id());
                }
                if (updateUrls(r, old, recordChanged, ctx, now)) {
                    changed.add(r.id());
                }
            }
            urlFailed |= hasFailedUrl(r.id());
        }
        for (UUID id : window.keySet()) {
            if (!nextById.containsKey(id)) {
                changed.add(id);
                urls.remove(id);
                uriMaps.remove(id);
            }
        }
        urlsChanged.clear();
        if (!urlFailed) {
            urlError = null;
        }
        window = nextById;
        windowList = Collections.unmodifiableList(next);
        scheduleRefresh(ctx, now, urlFailed);

        boolean loading = ctx.loading();
        Throwable error = readError != null ? readError : urlError;
        if (published && changed.isEmpty() && loading == lastLoading && Objects.equals(error, lastError)) {
            return;
        }
        Map<UUID, Map<String, URI>> blobUrls = new LinkedHashMap<>(next.size() * 2);
        for (Record r : next) {
            blobUrls.put(r.id(), uriMaps.getOrDefault(r.id(), Map.of()));
        }
        published = true;
        lastLoading = loading;
        lastError = error;
        delivery.offer(new QueryResult(windowList, Collections.unmodifiableMap(blobUrls), loading, error,
                Collections.unmodifiableSet(changed)));
    }

    private boolean hasFailedUrl(UUID id) {
        Map<String, UrlEntry> m = urls.get(id);
        if (m == null) {
            return false;
        }
        for (UrlEntry u : m.values()) {
            if (u.url() == null) {
                return true;
            }
        }
        return false;
    }

    /**
     * Renews the URLs of {@code r} that are new, changed, due or failed; true when a URL handed
     * out changed.
     */
    private boolean updateUrls(Record r, Record old, boolean recordChanged, Context ctx, Instant now) {
        Map<String, UrlEntry> had = urls.getOrDefault(r.id(), Map.of());
        Map<String, UrlEntry> next = new LinkedHashMap<>();
        boolean forced = urlsChanged.contains(r.id());
        for (String field : spec.blobFields()) {
            BlobRef ref = r.blob(field);
            if (ref == null) {
                continue;
            }
            UrlEntry prev = had.get(field);
            boolean keep = prev != null && prev.url() != null && prev.ref().sha256().equals(ref.sha256())
                    && prev.renewAt().isAfter(now) && !forced;
            next.put(field, keep ? prev : ask(ref, prev, ctx, now));
        }
        Map<String, URI> uris = new LinkedHashMap<>();
        next.forEach((f, u) -> {
            if (u.url() != null) {
                uris.put(f, u.url().uri());
            }
        });
        if (next.isEmpty()) {
            urls.remove(r.id());
        } else {
            urls.put(r.id(), next);
        }
        Map<String, URI> before = uriMaps.put(r.id(), Collections.unmodifiableMap(uris));
        return !uris.equals(before == null ? Map.of() : before);
    }

    private UrlEntry ask(BlobRef ref, UrlEntry prev, Context ctx, Instant now) {
        try {
            BlobUrl url = ctx.urlOf(ref).orElse(null);
            if (url == null) {
                return new UrlEntry(ref, null, Instant.MAX);
            }
            Instant renew = url.refreshAt(now);
            if (prev != null && url.equals(prev.url()) && url.expires()) {
                // Not renewed yet by the engine: ask again a little later, never in a tight loop.
                Instant floor = now.plus(MIN_REFRESH_WAIT);
                renew = renew.isAfter(floor) ? renew : floor;
            }
            return new UrlEntry(ref, url, renew);
        } catch (RuntimeException e) {
            urlError = e;
            return new UrlEntry(ref, null, now.plus(URL_RETRY));
        }
    }

    private void scheduleRefresh(Context ctx, Instant now, boolean urlFailed) {
        Instant earliest = Instant.MAX;
        for (Map<String, UrlEntry> m : urls.values()) {
            for (UrlEntry u : m.values()) {
                boolean due = u.url() == null ? urlFailed && u.renewAt().isBefore(Instant.MAX)
                        : spec.refreshUrls() && u.url().expires();
                if (due && u.renewAt().isBefore(earliest)) {
                    earliest = u.renewAt();
                }
            }
        }
        if (earliest.equals(refreshAt)) {
            return;
        }
        cancelRefresh();
        if (!earliest.equals(Instant.MAX)) {
            refreshAt = earliest;
            refreshTask = ctx.scheduleRefresh(this, earliest);
        }
    }

    void cancelRefresh() {
        if (refreshTask != null) {
            refreshTask.cancel();
            refreshTask = null;
        }
        refreshAt = Instant.MAX;
    }
}

package dev.blobsync.engine;

import java.net.URI;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * One delivery of a live {@link Query}: the RFC's {@code {data, blobUrls, isLoading, error}}.
 *
 * @param data       the matching records, in the query's order; unmodifiable
 * @param blobUrls   per record id in {@code data}, per included blob field that has a URL: a
 *                   {@code file:} URL while the blob is cached here, else the provider's
 *                   (presigned ones are replaced by a new delivery before they expire); unmodifiable
 * @param isLoading  true until the engine has finished its first pull from the data provider
 *                   since it opened, so records from other devices may still be missing
 * @param error      why the last evaluation or a blob URL failed, {@code null} when all is well;
 *                   {@code data} is then the last good result
 * @param changedIds the ids that entered, changed in or left the result since the previous
 *                   delivery to this subscriber (every id of {@code data} in the first one)
 */
public record QueryResult(List<Record> data, Map<UUID, Map<String, URI>> blobUrls, boolean isLoading,
                          Throwable error, Set<UUID> changedIds) {

    /** The URL of blob field {@code field} of record {@code id}, or {@code null} when there is none. */
    public URI blobUrl(UUID id, String field) {
        Map<String, URI> urls = blobUrls.get(id);
        return urls == null ? null : urls.get(field);
    }

    /**
     * This result, standing in for {@code older} that was never delivered: its changed ids are
     * added, so a conflated delivery still names everything that changed.
     */
    public QueryResult replacing(QueryResult older) {
        if (older == null || changedIds.containsAll(older.changedIds)) {
            return this;
        }
        Set<UUID> union = new LinkedHashSet<>(older.changedIds);
        union.addAll(changedIds);
        return new QueryResult(data, blobUrls, isLoading, error, Set.copyOf(union));
    }
}

package dev.blobsync.engine;

import dev.blobsync.engine.schema.TableSchema;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * One table of the schema. Writes are local first: they return the optimistic record at once
 * and are pushed in the background.
 *
 * <p>Field values may be given typed (see {@link Record}) or as their JSON form (an ISO-8601
 * string for a datetime, a string for a uuid, any integral number for an int). A blob field
 * takes a {@link BlobRef}, a {@link java.nio.file.Path} or an {@link java.io.InputStream}.
 */
public interface Table {

    String name();

    TableSchema schema();

    /**
     * Inserts a complete, valid record. The id is taken from field {@code id} when given,
     * otherwise a random one. Throws {@link InvalidException} naming the field when invalid.
     */
    Record insert(Map<String, Object> fields);

    /**
     * Inserts a draft: field types are checked, but required fields may be missing. A draft is
     * kept locally and pushed once an update makes it complete.
     */
    Record insertDraft(Map<String, Object> fields);

    /**
     * Changes some fields. A {@code null} value removes the field (only an optional one, unless
     * the record is a draft). Throws {@link NotFoundException} or {@link InvalidException}; on
     * error nothing changes.
     */
    Record update(UUID id, Map<String, Object> changes);

    /** Deletes the record; {@link NotFoundException} when there is none. */
    void delete(UUID id);

    Optional<Record> get(UUID id);

    /** Every record of the table that is not deleted, drafts included. */
    List<Record> list();

    /**
     * Like {@link #insert}, and tells when the record is synced: see {@link PendingWrite} for
     * when its future completes.
     */
    PendingWrite insertAsync(Map<String, Object> fields);

    /** Like {@link #update}, and tells when the change is synced (see {@link PendingWrite}). */
    PendingWrite updateAsync(UUID id, Map<String, Object> changes);

    /**
     * Like {@link #delete}; the future completes when the provider has the deletion, as in
     * {@link PendingWrite} (exceptionally with {@link ConflictException} when server-wins kept
     * another device's change instead).
     */
    CompletableFuture<Void> deleteAsync(UUID id);

    /** Every record of the table, as a {@link Query} to filter, order, list or watch. */
    Query query();

    /** {@code query().where(field, value)}: records whose {@code field} equals {@code value}. */
    default Query where(String field, Object value) {
        return query().where(field, value);
    }

    /** {@code query().where(field, operator, value)}, e.g. {@code where("takenAt", ">=", "2026-01-01T00:00:00Z")}. */
    default Query where(String field, String operator, Object value) {
        return query().where(field, operator, value);
    }

    /** {@code query().where(equalities)}, as the RFC's {@code sync.photos.where({familyId})}. */
    default Query where(Map<String, ?> equalities) {
        return query().where(equalities);
    }
}

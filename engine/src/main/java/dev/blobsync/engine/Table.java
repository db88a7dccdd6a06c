package dev.blobsync.engine;

import dev.blobsync.engine.schema.TableSchema;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

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
}

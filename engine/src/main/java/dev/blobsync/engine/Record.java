package dev.blobsync.engine;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * One record as the engine shows it: the last state pulled from the data provider with the
 * local changes not yet acknowledged laid over it.
 *
 * <p>Field values are typed by the schema: {@code string} is a {@link String}, {@code uuid} a
 * {@link UUID}, {@code int} a {@link Long}, {@code float} a {@link Double}, {@code bool} a
 * {@link Boolean}, {@code datetime} an {@link Instant}, {@code json} plain Java maps, lists and
 * scalars, and {@code blob} a {@link BlobRef}. Absent optional fields are absent from the map.
 *
 * @param table     the table name
 * @param id        the record id
 * @param fields    the field values, without {@code id}; unmodifiable
 * @param rev       the provider revision this view is based on, 0 if never pushed
 * @param updatedAt when the record last changed (locally or remotely)
 * @param state     whether the record is a draft, waiting to be pushed, synced, or failing
 * @param error     why the record is a draft or failing, in words; {@code null} otherwise
 */
public record Record(String table, UUID id, Map<String, Object> fields, long rev, Instant updatedAt,
                     RecordState state, String error) {

    public Record {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** The value of {@code field}, or {@code null} when absent. */
    public Object get(String field) {
        return fields.get(field);
    }

    /** The blob held by {@code field}, or {@code null} when the field is absent. */
    public BlobRef blob(String field) {
        Object v = fields.get(field);
        return v instanceof BlobRef b ? b : null;
    }
}

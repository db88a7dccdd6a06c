package dev.blobsync.engine.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.InvalidException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * One table of the schema: its fields in declared order and the rules for their values.
 *
 * <p>Every record has an implicit {@code id} (a UUID) that is not among {@link #fields()} and
 * is never set through {@link #coerceAll} or {@link #fromJson}: callers pass it separately.
 * Instances are immutable and thread-safe; obtain them from {@link Schema}.
 */
public final class TableSchema {
    private final String name;
    private final List<FieldSchema> fields;
    private final Map<String, FieldSchema> byName;
    private final List<FieldSchema> blobFields;
    private final FolderNameTemplate folderName;
    private final String scopeField;

    TableSchema(String name, List<FieldSchema> fields, FolderNameTemplate folderName) {
        this(name, fields, folderName, null);
    }

    TableSchema(String name, List<FieldSchema> fields, FolderNameTemplate folderName, String scopeField) {
        this.scopeField = scopeField;
        this.name = name;
        this.fields = List.copyOf(fields);
        Map<String, FieldSchema> index = new LinkedHashMap<>();
        for (FieldSchema f : this.fields) {
            index.put(f.name(), f);
        }
        this.byName = Collections.unmodifiableMap(index);
        this.blobFields = this.fields.stream().filter(f -> f.type() == FieldType.BLOB).toList();
        this.folderName = folderName;
    }

    public String name() {
        return name;
    }

    /**
     * The field naming the scope a record belongs to ({@code $scope}, e.g. {@code familyId}):
     * providers that enforce access per scope (PostgreSQL row-level security) key on it.
     */
    public Optional<String> scopeField() {
        return Optional.ofNullable(scopeField);
    }

    /** The fields in declared order, without {@code id}. */
    public List<FieldSchema> fields() {
        return fields;
    }

    /** The field called {@code field}; empty for an unknown name and for {@code id}. */
    public Optional<FieldSchema> field(String field) {
        return Optional.ofNullable(byName.get(field));
    }

    /** The blob fields in declared order. */
    public List<FieldSchema> blobFields() {
        return blobFields;
    }

    /** The {@code $folderName} template as written, or {@code null} when the table has none. */
    public String folderNameTemplate() {
        return folderName == null ? null : folderName.source();
    }

    /** The first blob field, in declared order, that accepts a blob of type {@code mimeType}. */
    public Optional<FieldSchema> blobFieldFor(String mimeType) {
        return blobFields.stream().filter(f -> f.acceptsMimeType(mimeType)).findFirst();
    }

    /**
     * {@code raw} (a JSON-like value or one already typed) as the Java type of {@code field}
     * (see {@link FieldType}); {@code null} stays {@code null}. For {@code "id"} the value is
     * read as a UUID.
     *
     * @throws InvalidException naming the field when the value does not fit or the table has no
     *                          such field
     */
    public Object coerce(String field, Object raw) {
        if (field.equals("id")) {
            return ValueCoercion.coerce(name, new FieldSchema("id", FieldType.UUID, false, null,
                    null), raw);
        }
        return ValueCoercion.coerce(name, require(field), raw);
    }

    /**
     * Every entry of {@code raw} coerced, in the same order; a {@code null} value is kept (it
     * means "remove the field"). Key {@code id} is rejected: the id is given separately.
     *
     * @throws InvalidException for the first unknown key or value that does not fit
     */
    public Map<String, Object> coerceAll(Map<String, Object> raw) {
        Map<String, Object> typed = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : raw.entrySet()) {
            if ("id".equals(e.getKey())) {
                throw new InvalidException("id", "The id of a record in table '" + name
                        + "' cannot be set or changed this way; it is given when the record is "
                        + "created and stays the same.");
            }
            typed.put(e.getKey(), ValueCoercion.coerce(name, require(e.getKey()), e.getValue()));
        }
        return typed;
    }

    /**
     * Checks that every required field has a value.
     *
     * @throws InvalidException for the first missing required field, in declared order
     */
    public void validateComplete(Map<String, Object> typed) {
        List<String> missing = missingRequired(typed);
        if (!missing.isEmpty()) {
            throw new InvalidException(missing.get(0),
                    "Field '" + missing.get(0) + "' of table '" + name + "' is required.");
        }
    }

    /** The required fields without a value (absent or {@code null}), in declared order. */
    public List<String> missingRequired(Map<String, Object> typed) {
        List<String> missing = new ArrayList<>();
        for (FieldSchema f : fields) {
            if (!f.optional() && typed.get(f.name()) == null) {
                missing.add(f.name());
            }
        }
        return missing;
    }

    /** The default value of every field that declares one, in declared order. */
    public Map<String, Object> defaults(Clock clock) {
        Map<String, Object> defaults = new LinkedHashMap<>();
        for (FieldSchema f : fields) {
            Object value = f.defaultFor(clock);
            if (value != null) {
                defaults.put(f.name(), value);
            }
        }
        return defaults;
    }

    /**
     * The JSON form of a record's fields, in declared order: datetimes as ISO-8601 text, UUIDs
     * as text, blobs as {@code {"sha256", "size", "type", "name"}}. A key present with a
     * {@code null} value becomes JSON {@code null}; absent keys, {@code id} and keys the schema
     * does not know (a field removed from the schema) are left out. Blob fields are left out
     * unless {@code includeBlobs}.
     *
     * @throws InvalidException when a value does not fit its field
     */
    public ObjectNode toJson(Map<String, Object> typed, boolean includeBlobs) {
        ObjectNode node = JsonValues.NODES.objectNode();
        for (FieldSchema f : fields) {
            if ((f.type() == FieldType.BLOB && !includeBlobs) || !typed.containsKey(f.name())) {
                continue;
            }
            node.set(f.name(), JsonValues.toNode(ValueCoercion.coerce(name, f, typed.get(f.name()))));
        }
        return node;
    }

    /**
     * The typed fields held by a JSON object, read strictly (a JSON number is no string, the
     * text {@code "42"} no int); JSON {@code null} values are kept. Key {@code id} is rejected:
     * callers strip or compare it first.
     *
     * @throws InvalidException when {@code node} is no object or a key or value does not fit
     */
    @SuppressWarnings("unchecked")
    public Map<String, Object> fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            Object got = node == null ? null : JsonValues.toJava(node);
            throw new InvalidException("A record of table '" + name
                    + "' must hold a JSON object, but got " + ValueCoercion.describe(got) + ".");
        }
        return coerceAll((Map<String, Object>) JsonValues.toJava(node));
    }

    /**
     * The name of record {@code id}'s folder: {@link #folderNameTemplate()} rendered with
     * {@code typed} (missing values render empty, datetimes in UTC), whitespace collapsed, made
     * into one safe path component of at most 200 bytes of UTF-8. The id itself when there is no
     * template or nothing usable is left.
     */
    public String folderName(UUID id, Map<String, Object> typed) {
        if (folderName == null) {
            return id.toString();
        }
        return folderName.render(id, (field, formatter) -> text(field, typed.get(field), formatter));
    }

    private String text(String field, Object value, DateTimeFormatter formatter) {
        Object typed;
        try {
            typed = coerce(field, value);
        } catch (InvalidException unusable) {
            // A draft may hold anything; a folder name must still come out.
            return "";
        }
        if (typed == null) {
            return "";
        }
        if (typed instanceof Instant instant) {
            return formatter == null ? instant.toString() : formatter.format(instant);
        }
        if (typed instanceof Double d) {
            return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
        }
        if (typed instanceof String s) {
            return s;
        }
        JsonNode node = JsonValues.toNode(typed);
        return node.isContainerNode() ? node.toString() : node.asText();
    }

    private FieldSchema require(String field) {
        FieldSchema f = byName.get(field);
        if (f == null) {
            throw new InvalidException(field, "Table '" + name + "' has no field '" + field
                    + "'. Its fields are: " + fieldList() + ".");
        }
        return f;
    }

    private String fieldList() {
        return "id, " + fields.stream().map(FieldSchema::name).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return "TableSchema[" + name + ": " + fieldList() + "]";
    }
}

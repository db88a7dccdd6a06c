package dev.blobsync.fs;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.InvalidException;
import dev.blobsync.engine.Record;
import dev.blobsync.engine.schema.FieldSchema;
import dev.blobsync.engine.schema.FieldType;
import dev.blobsync.engine.schema.JsonSyntax;
import dev.blobsync.engine.schema.TableSchema;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A record's {@code meta.json}: rendered once per record version ({@code id} first, then the
 * non-blob fields, two-space indent, trailing newline) and parsed back into field changes.
 */
final class MetaJson {
    /** The largest meta.json an edit may write: 1 MiB. Records are small; bytes belong in blobs. */
    static final int MAX_BYTES = 1 << 20;
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final ObjectWriter WRITER = MAPPER.writer(new DefaultPrettyPrinter()
            .withSeparators(Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n")));

    private record Rendered(Map<String, Object> fields, byte[] bytes) {
    }

    private static final int MAX_CACHED = 100_000;

    private final ConcurrentMap<UUID, Rendered> cache = new ConcurrentHashMap<>();

    /** The bytes of {@code record}'s meta.json; cached until its fields change. */
    byte[] bytes(TableSchema schema, Record record) {
        Rendered cached = cache.get(record.id());
        if (cached != null && cached.fields().equals(record.fields())) {
            return cached.bytes();
        }
        byte[] bytes = render(schema, record);
        if (cache.size() > MAX_CACHED) {
            // Records deleted remotely never call forget; a rare full reset bounds the map.
            cache.clear();
        }
        cache.put(record.id(), new Rendered(record.fields(), bytes));
        return bytes;
    }

    void forget(UUID id) {
        cache.remove(id);
    }

    /** {@code node} pretty-printed the way meta.json is, with a trailing newline. */
    static byte[] pretty(JsonNode node) {
        try {
            byte[] json = WRITER.writeValueAsBytes(node);
            byte[] out = Arrays.copyOf(json, json.length + 1);
            out[json.length] = '\n';
            return out;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render " + node, e);
        }
    }

    private static byte[] render(TableSchema schema, Record record) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("id", record.id().toString());
        root.setAll(schema.toJson(record.fields(), false));
        return pretty(root);
    }

    /**
     * The changes that make {@code current} match the edited meta.json: every non-blob field
     * present is set, every one absent is removed (null). Only fields that differ are returned,
     * so an unchanged field keeps its clock. Throws {@link InvalidException} for bad JSON, an
     * unknown field, a wrong type, a blob field or a changed id.
     */
    static Map<String, Object> changes(TableSchema schema, Record current, byte[] bytes, int length) {
        JsonNode node;
        try {
            node = MAPPER.readTree(bytes, 0, length);
        } catch (JsonProcessingException e) {
            throw new InvalidException("meta.json is not valid JSON: " + JsonSyntax.describe(e));
        } catch (IOException e) {
            // Reading a byte array fails only on what the parser rejects; say so without its internals.
            throw new InvalidException("meta.json is not valid JSON: it cannot be read as UTF-8 text");
        }
        if (node == null || !node.isObject()) {
            throw new InvalidException("meta.json must hold one JSON object");
        }
        ObjectNode obj = ((ObjectNode) node).deepCopy();
        JsonNode id = obj.remove("id");
        if (id != null && !(id.isTextual() && sameId(id.asText(), current.id()))) {
            throw new InvalidException("id", "the id cannot change: this record is " + current.id()
                    + ", meta.json says " + id);
        }
        for (FieldSchema f : schema.blobFields()) {
            if (obj.has(f.name())) {
                throw new InvalidException(f.name(), "field " + f.name()
                        + " is a blob: replace its file in the record folder instead of editing meta.json");
            }
        }
        Map<String, Object> typed = schema.fromJson(obj);
        Map<String, Object> changes = new LinkedHashMap<>();
        for (FieldSchema f : schema.fields()) {
            if (f.type() == FieldType.BLOB) {
                continue;
            }
            Object value = typed.get(f.name());
            if (!Objects.equals(value, current.get(f.name()))) {
                changes.put(f.name(), value);
            }
        }
        return changes;
    }

    private static boolean sameId(String text, UUID id) {
        try {
            return UUID.fromString(text).equals(id);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}

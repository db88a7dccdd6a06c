package dev.blobsync.engine.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import dev.blobsync.engine.BlobRef;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Converts between typed field values and Jackson trees, losslessly in both directions. */
final class JsonValues {
    /** Keeps a BigDecimal's scale, so a decimal read back equals the one written. */
    static final JsonNodeFactory NODES = new JsonNodeFactory(true);

    private JsonValues() {
    }

    /** The JSON form of a typed value (see {@link FieldType}). */
    static JsonNode toNode(Object value) {
        if (value == null) {
            return NODES.nullNode();
        }
        if (value instanceof String s) {
            return NODES.textNode(s);
        }
        if (value instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (value instanceof Long l) {
            return NODES.numberNode(l);
        }
        if (value instanceof Double d) {
            return NODES.numberNode(d);
        }
        if (value instanceof BigInteger b) {
            return NODES.numberNode(b);
        }
        if (value instanceof BigDecimal b) {
            return NODES.numberNode(b);
        }
        if (value instanceof UUID || value instanceof Instant) {
            return NODES.textNode(value.toString());
        }
        if (value instanceof BlobRef ref) {
            ObjectNode blob = NODES.objectNode();
            blob.put("sha256", ref.sha256());
            blob.put("size", ref.size());
            blob.put("type", ref.type());
            if (ref.name() != null) {
                blob.put("name", ref.name());
            }
            if (ref.chunks() != null) {
                blob.put("chunks", ref.chunks());
            }
            return blob;
        }
        if (value instanceof Map<?, ?> map) {
            ObjectNode object = NODES.objectNode();
            map.forEach((k, v) -> object.set(String.valueOf(k), toNode(v)));
            return object;
        }
        if (value instanceof List<?> list) {
            ArrayNode array = NODES.arrayNode(list.size());
            list.forEach(v -> array.add(toNode(v)));
            return array;
        }
        return new POJONode(value);
    }

    /**
     * Plain Java values for a tree: maps, lists, strings, booleans, {@code null}, and numbers as
     * Long, BigInteger, Double or BigDecimal as the JSON text had them.
     */
    static Object toJava(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                map.put(e.getKey(), toJava(e.getValue()));
            }
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>(node.size());
            node.forEach(item -> list.add(toJava(item)));
            return list;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? (Object) node.longValue() : node.bigIntegerValue();
        }
        if (node.isBigDecimal()) {
            return node.decimalValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node instanceof POJONode pojo) {
            return pojo.getPojo();
        }
        if (node instanceof BinaryNode binary) {
            return binary.binaryValue();
        }
        // Anything else is no JSON value; coercion rejects it with its type name.
        return node;
    }
}

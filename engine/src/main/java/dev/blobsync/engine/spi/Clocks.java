package dev.blobsync.engine.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-field clock maps ({@code field → Hlc}) and their JSON form, an object of field names to
 * {@link Hlc#encode()} text, as providers and the local store keep them.
 */
public final class Clocks {
    private Clocks() {
    }

    /** The clock of {@code field} in {@code clocks}; {@link Hlc#ZERO} when it has none. */
    public static Hlc of(Map<String, Hlc> clocks, String field) {
        Hlc c = clocks.get(field);
        return c == null ? Hlc.ZERO : c;
    }

    /** The latest clock of the map, {@link Hlc#ZERO} when empty. */
    public static Hlc latest(Map<String, Hlc> clocks) {
        Hlc max = Hlc.ZERO;
        for (Hlc c : clocks.values()) {
            max = Hlc.max(max, c);
        }
        return max;
    }

    /** The JSON object form. */
    public static ObjectNode toJson(Map<String, Hlc> clocks) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        clocks.forEach((k, v) -> o.put(k, v.encode()));
        return o;
    }

    /**
     * Reads the JSON object form; {@code null} or a missing node is an empty map.
     *
     * @throws IllegalArgumentException when an entry is not a clock
     */
    public static Map<String, Hlc> fromJson(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("clocks must be a JSON object, not " + node);
        }
        Map<String, Hlc> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            out.put(e.getKey(), Hlc.parse(e.getValue().asText()));
        }
        return Collections.unmodifiableMap(out);
    }
}

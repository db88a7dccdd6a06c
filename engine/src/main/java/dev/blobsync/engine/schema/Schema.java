package dev.blobsync.engine.schema;

import dev.blobsync.engine.NotFoundException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The tables an engine syncs, parsed from the {@code schema:} section of the configuration
 * (or a schema file). Immutable and thread-safe.
 *
 * <p>The format, per table: {@code field: type} or {@code field: {type, optional, mimeTypes,
 * default}}, an optional {@code id: uuid}, and table options starting with {@code $} (only
 * {@code $folderName}). See {@code schema-examples/README.md}.
 */
public final class Schema {
    private final Map<String, TableSchema> tables;

    Schema(Map<String, TableSchema> tables) {
        this.tables = Collections.unmodifiableMap(new LinkedHashMap<>(tables));
    }

    /**
     * Parses a schema tree as read from YAML or JSON: table name to a map of field definitions.
     * Declared order is kept when the maps keep it (Jackson's do).
     *
     * @throws SchemaException naming the key path of the first problem and what is accepted
     */
    public static Schema fromTree(Map<String, Object> tree) {
        return SchemaParser.parse(tree, "");
    }

    /**
     * Like {@link #fromTree(Map)}, with every key path in errors prefixed by
     * {@code keyPathPrefix} (for example {@code schema} when the tree sits under that key).
     */
    public static Schema fromTree(Map<String, Object> tree, String keyPathPrefix) {
        return SchemaParser.parse(tree, keyPathPrefix);
    }

    /** The tables in declared order; unmodifiable. */
    public Map<String, TableSchema> tables() {
        return tables;
    }

    /** The table called {@code name}; {@link NotFoundException} listing the tables otherwise. */
    public TableSchema table(String name) {
        TableSchema table = tables.get(name);
        if (table == null) {
            throw new NotFoundException("No table '" + name + "' in the schema. Tables: "
                    + String.join(", ", tables.keySet()) + ".");
        }
        return table;
    }

    public Optional<TableSchema> find(String name) {
        return Optional.ofNullable(tables.get(name));
    }

    @Override
    public String toString() {
        return "Schema" + tables.values();
    }
}

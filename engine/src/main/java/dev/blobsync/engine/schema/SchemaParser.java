package dev.blobsync.engine.schema;

import dev.blobsync.engine.InvalidException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads the schema tree into {@link Schema}, failing on the first problem with its key path. */
final class SchemaParser {
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");
    private static final String TOKEN = "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*";
    private static final Pattern MIME_PATTERN =
            Pattern.compile("\\*/\\*|" + TOKEN + "/(\\*|" + TOKEN + ")");
    private static final Set<String> FIELD_KEYS = Set.of("type", "optional", "mimeTypes", "default");
    private static final String FIELD_KEY_LIST = "type, optional, mimeTypes, default";
    private static final String FOLDER_NAME = "$folderName";
    private static final String SCOPE = "$scope";

    private final String prefix;

    private SchemaParser(String prefix) {
        this.prefix = prefix == null ? "" : prefix;
    }

    static Schema parse(Map<String, Object> tree, String prefix) {
        return new SchemaParser(prefix).schema(tree);
    }

    private Schema schema(Map<String, Object> tree) {
        if (tree == null || tree.isEmpty()) {
            String where = prefix.isEmpty() ? "The schema" : "'" + prefix + "'";
            throw new SchemaException(prefix, where + " has no tables. Declare at least one, "
                    + "for example: photos: {title: string, image: {type: blob, mimeTypes: ['image/*']}}.");
        }
        Map<String, TableSchema> tables = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : tree.entrySet()) {
            tables.put(e.getKey(), table(e.getKey(), e.getValue()));
        }
        return new Schema(tables);
    }

    private TableSchema table(String table, Object definition) {
        String path = path(table);
        if (!NAME.matcher(table).matches()) {
            throw new SchemaException(path, "'" + path + "' is not a valid table name: use a "
                    + "letter followed by letters, digits or _ (like photos or voice_notes).");
        }
        if (!(definition instanceof Map<?, ?> entries)) {
            throw new SchemaException(path, "'" + path + "' must be a map of field names to "
                    + "types, like {title: string}, but is " + shown(definition) + ".");
        }
        Map<String, FieldSchema> fields = new LinkedHashMap<>();
        Object template = null;
        boolean hasTemplate = false;
        Object scope = null;
        for (Map.Entry<?, ?> e : entries.entrySet()) {
            String key = String.valueOf(e.getKey());
            String keyPath = path(table, key);
            if (key.equals(SCOPE)) {
                scope = e.getValue();
            } else if (key.startsWith("$")) {
                if (!key.equals(FOLDER_NAME)) {
                    throw new SchemaException(keyPath, "unknown table option '" + keyPath
                            + "'. Accepted options in '" + path + "': " + FOLDER_NAME + ", " + SCOPE + ".");
                }
                template = e.getValue();
                hasTemplate = true;
            } else if (key.equals("id")) {
                checkId(keyPath, e.getValue());
            } else {
                fields.put(key, field(table, key, e.getValue()));
            }
        }
        if (fields.isEmpty()) {
            throw new SchemaException(path, "'" + path + "' has no fields besides id. Declare "
                    + "at least one, for example: title: string.");
        }
        FolderNameTemplate folderName = null;
        if (hasTemplate) {
            String keyPath = path(table, FOLDER_NAME);
            if (!(template instanceof String text)) {
                throw new SchemaException(keyPath, "'" + keyPath + "' must be a text template "
                        + "like \"{takenAt:yyyy-MM-dd} {title}\", but is " + shown(template) + ".");
            }
            folderName = FolderNameTemplate.parse(text, table, fields, keyPath);
        }
        return new TableSchema(table, new ArrayList<>(fields.values()), folderName,
                scope == null ? null : scope(table, scope, fields));
    }

    /** {@code $scope}: a required uuid or string field whose value names the scope (a family, a team). */
    private String scope(String table, Object value, Map<String, FieldSchema> fields) {
        String keyPath = path(table, SCOPE);
        FieldSchema f = value instanceof String name ? fields.get(name) : null;
        if (f == null) {
            throw new SchemaException(keyPath, "'" + keyPath + "' must name a field of '" + path(table)
                    + "' whose value says which scope (family, team) a record belongs to, like familyId; got "
                    + shown(value) + ".");
        }
        if ((f.type() != FieldType.UUID && f.type() != FieldType.STRING) || f.optional()) {
            throw new SchemaException(keyPath, "'" + keyPath + "' names field '" + f.name() + "', which must be a"
                    + " required uuid or string field to hold a scope.");
        }
        return f.name();
    }

    private static void checkId(String keyPath, Object definition) {
        boolean plain = "uuid".equals(definition)
                || (definition instanceof Map<?, ?> m && m.size() == 1 && "uuid".equals(m.get("type")));
        if (!plain) {
            throw new SchemaException(keyPath, "'" + keyPath + "' is the record id, which is "
                    + "always a required uuid; write 'id: uuid' or leave it out.");
        }
    }

    private FieldSchema field(String table, String name, Object definition) {
        String path = path(table, name);
        if (!NAME.matcher(name).matches()) {
            throw new SchemaException(path, "'" + path + "' is not a valid field name: use a "
                    + "letter followed by letters, digits or _ (like takenAt or family_id).");
        }
        if (definition instanceof String typeName) {
            return new FieldSchema(name, type(path, typeName), false, List.of(), null);
        }
        if (!(definition instanceof Map<?, ?> options)) {
            throw new SchemaException(path, "'" + path + "' must be a type (" + FieldType.ACCEPTED_NAMES
                    + ") or a map with " + FIELD_KEY_LIST + ", but is " + shown(definition) + ".");
        }
        for (Object key : options.keySet()) {
            if (!FIELD_KEYS.contains(key)) {
                String keyPath = path + "." + key;
                throw new SchemaException(keyPath, "unknown key '" + keyPath + "'. Accepted keys in '"
                        + path + "': " + FIELD_KEY_LIST + ".");
            }
        }
        Object typeName = options.get("type");
        if (!(typeName instanceof String t)) {
            String keyPath = path + ".type";
            throw new SchemaException(keyPath, "'" + keyPath + "' is " + (typeName == null
                    ? "missing" : shown(typeName)) + ". Accepted types: " + FieldType.ACCEPTED_NAMES + ".");
        }
        FieldType type = type(path + ".type", t);
        boolean optional = optional(path + ".optional", options.get("optional"));
        List<String> mimeTypes = options.containsKey("mimeTypes")
                ? mimeTypes(path, name, type, options.get("mimeTypes")) : List.of();
        FieldSchema withoutDefault = new FieldSchema(name, type, optional, mimeTypes, null);
        Object defaultValue = defaultValue(table, path + ".default", withoutDefault,
                options.get("default"));
        return new FieldSchema(name, type, optional, mimeTypes, defaultValue);
    }

    private static FieldType type(String keyPath, String name) {
        try {
            return FieldType.fromName(name);
        } catch (IllegalArgumentException unknown) {
            throw new SchemaException(keyPath, "'" + keyPath + "' has type '" + name
                    + "'. Accepted types: " + FieldType.ACCEPTED_NAMES + ".");
        }
    }

    private static boolean optional(String keyPath, Object value) {
        if (value == null) {
            return false;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        throw new SchemaException(keyPath, "'" + keyPath + "' must be true or false, but is "
                + shown(value) + ".");
    }

    private static List<String> mimeTypes(String path, String name, FieldType type, Object value) {
        String keyPath = path + ".mimeTypes";
        if (type != FieldType.BLOB) {
            throw new SchemaException(keyPath, "'" + keyPath + "' is only allowed on blob fields, "
                    + "and '" + name + "' is a " + type.typeName() + ".");
        }
        List<?> items;
        if (value instanceof String single) {
            items = List.of(single);
        } else if (value instanceof List<?> list) {
            items = list;
        } else {
            throw new SchemaException(keyPath, "'" + keyPath + "' must be a list of MIME types "
                    + "like ['image/*', 'application/pdf'], but is " + shown(value) + ".");
        }
        List<String> patterns = new ArrayList<>();
        for (Object item : items) {
            if (!(item instanceof String s) || !MIME_PATTERN.matcher(s).matches()) {
                throw new SchemaException(keyPath, "'" + keyPath + "' holds " + shown(item)
                        + ", which is not a MIME type. Accepted forms: type/subtype (image/jpeg), "
                        + "type/* (image/*) and */* (anything).");
            }
            patterns.add(s);
        }
        return patterns;
    }

    private static Object defaultValue(String table, String keyPath, FieldSchema field, Object raw) {
        if (raw == null) {
            return null;
        }
        if (field.type() == FieldType.BLOB) {
            throw new SchemaException(keyPath, "'" + keyPath + "' is not allowed: blob fields "
                    + "have no default.");
        }
        if ((field.type() == FieldType.DATETIME && FieldSchema.NOW.equals(raw))
                || (field.type() == FieldType.UUID && FieldSchema.RANDOM.equals(raw))) {
            return raw;
        }
        try {
            return ValueCoercion.coerce(table, field, raw);
        } catch (InvalidException wrong) {
            String generated = switch (field.type()) {
                case DATETIME -> " Use now for the time the record is created.";
                case UUID -> " Use random for a new random UUID.";
                default -> "";
            };
            throw new SchemaException(keyPath, "'" + keyPath + "' does not fit the field: "
                    + wrong.getMessage() + generated);
        }
    }

    private String path(String... parts) {
        return prefix.isEmpty() ? String.join(".", parts) : prefix + "." + String.join(".", parts);
    }

    private static String shown(Object value) {
        return value == null ? "empty" : ValueCoercion.describe(value);
    }
}

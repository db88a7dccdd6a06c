package dev.blobsync.engine.schema;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A table's {@code $folderName} template, parsed and checked against the table's fields:
 * literal text with placeholders {@code {field}} and {@code {field:pattern}} ({@code {{} and
 * {@code }}} stand for literal braces). Rendering yields one safe path component.
 */
final class FolderNameTemplate {
    /** The longest folder name produced, in bytes of UTF-8; common file systems allow 255. */
    static final int MAX_BYTES = 200;
    private static final Pattern GRAPHEME = Pattern.compile("\\X");
    private static final String SYNTAX = "Write placeholders as {field} or {field:yyyy-MM-dd}, "
            + "and {{ or }} for a literal brace.";

    /** Supplies the text of one placeholder; {@code formatter} is null without a pattern. */
    @FunctionalInterface
    interface Values {
        String text(String field, DateTimeFormatter formatter);
    }

    private sealed interface Part permits Literal, Placeholder {
    }

    private record Literal(String text) implements Part {
    }

    private record Placeholder(String field, DateTimeFormatter formatter) implements Part {
    }

    private final String source;
    private final List<Part> parts;

    private FolderNameTemplate(String source, List<Part> parts) {
        this.source = source;
        this.parts = List.copyOf(parts);
    }

    String source() {
        return source;
    }

    /**
     * Parses {@code template} for table {@code table} whose fields (without id) are
     * {@code fields}; {@code keyPath} names the template in errors.
     */
    static FolderNameTemplate parse(String template, String table, Map<String, FieldSchema> fields,
                                    String keyPath) {
        List<Part> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            boolean doubled = i + 1 < template.length() && template.charAt(i + 1) == c;
            if (c == '}' || (c == '{' && doubled)) {
                literal.append(c);
                i += doubled ? 2 : 1;
                continue;
            }
            if (c != '{') {
                literal.append(c);
                i++;
                continue;
            }
            int close = template.indexOf('}', i + 1);
            if (close < 0) {
                throw new SchemaException(keyPath, "'" + keyPath + "' has a '{' without a "
                        + "closing '}' in \"" + template + "\". " + SYNTAX);
            }
            if (!literal.isEmpty()) {
                parts.add(new Literal(literal.toString()));
                literal.setLength(0);
            }
            parts.add(placeholder(template.substring(i + 1, close), table, fields, keyPath));
            i = close + 1;
        }
        if (!literal.isEmpty()) {
            parts.add(new Literal(literal.toString()));
        }
        return new FolderNameTemplate(template, parts);
    }

    private static Placeholder placeholder(String content, String table,
                                           Map<String, FieldSchema> fields, String keyPath) {
        int colon = content.indexOf(':');
        String name = colon < 0 ? content : content.substring(0, colon);
        String pattern = colon < 0 ? null : content.substring(colon + 1);
        String usable = "id, " + fields.values().stream()
                .filter(f -> f.type() != FieldType.BLOB)
                .map(FieldSchema::name)
                .collect(Collectors.joining(", "));
        FieldSchema field = fields.get(name);
        if (!name.equals("id") && field == null) {
            throw new SchemaException(keyPath, "'" + keyPath + "' uses {" + content + "}, but "
                    + "table '" + table + "' has no field '" + name + "'. Fields you can use: "
                    + usable + ".");
        }
        if (field != null && field.type() == FieldType.BLOB) {
            throw new SchemaException(keyPath, "'" + keyPath + "' uses the blob field '" + name
                    + "', which has no text to show. Fields you can use: " + usable + ".");
        }
        if (pattern == null) {
            return new Placeholder(name, null);
        }
        if (field == null || field.type() != FieldType.DATETIME) {
            throw new SchemaException(keyPath, "'" + keyPath + "' gives {" + content
                    + "} a pattern, but only datetime fields take one; write {" + name + "}.");
        }
        try {
            DateTimeFormatter formatter = DateTimeFormatter.ofPattern(pattern, Locale.ROOT)
                    .withZone(ZoneOffset.UTC);
            if (pattern.isEmpty()) {
                throw new IllegalArgumentException("the pattern is empty");
            }
            formatter.format(Instant.EPOCH);
            return new Placeholder(name, formatter);
        } catch (IllegalArgumentException | DateTimeException e) {
            throw new SchemaException(keyPath, "'" + keyPath + "' has the pattern '" + pattern
                    + "' for '" + name + "', which is not a date-time pattern (" + e.getMessage()
                    + "). Use DateTimeFormatter letters, for example yyyy-MM-dd or yyyy-MM-dd HH.mm.");
        }
    }

    /** The folder name for record {@code id}; see {@link TableSchema#folderName}. */
    String render(UUID id, Values values) {
        StringBuilder out = new StringBuilder();
        for (Part part : parts) {
            if (part instanceof Literal l) {
                out.append(l.text());
            } else if (part instanceof Placeholder p) {
                out.append(p.field().equals("id") ? id.toString()
                        : values.text(p.field(), p.formatter()));
            }
        }
        return safeComponent(out.toString(), id);
    }

    /**
     * {@code name} made into one path component: whitespace collapsed, control characters
     * dropped, {@code /} replaced by {@code ∕}, at most {@link #MAX_BYTES} bytes of UTF-8 cut
     * between characters; the id when nothing usable is left or the name could be mistaken for
     * {@code .}, {@code ..} or the engine's own {@code .blobsync} folder.
     */
    static String safeComponent(String name, UUID id) {
        StringBuilder cleaned = new StringBuilder(name.length());
        boolean lastWasSpace = true;
        for (int i = 0; i < name.length(); ) {
            int cp = name.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
                if (!lastWasSpace) {
                    cleaned.append(' ');
                    lastWasSpace = true;
                }
                continue;
            }
            // An unpaired surrogate has no UTF-8 form; encoders would write '?'.
            if (Character.isISOControl(cp) || Character.getType(cp) == Character.SURROGATE) {
                continue;
            }
            cleaned.appendCodePoint(cp == '/' ? '\u2215' : cp);
            lastWasSpace = false;
        }
        String result = truncate(cleaned.toString().strip()).strip();
        if (result.isEmpty() || result.equals(".") || result.equals("..")
                || result.toLowerCase(Locale.ROOT).startsWith(".blobsync")) {
            return id.toString();
        }
        return result;
    }

    /** At most {@link #MAX_BYTES} of UTF-8, cut between user-perceived characters. */
    private static String truncate(String s) {
        if (utf8Length(s) <= MAX_BYTES) {
            return s;
        }
        StringBuilder out = new StringBuilder();
        int bytes = 0;
        Matcher m = GRAPHEME.matcher(s);
        while (m.find()) {
            String cluster = m.group();
            int size = utf8Length(cluster);
            if (bytes + size > MAX_BYTES) {
                if (out.isEmpty()) {
                    // One giant cluster (a letter with hundreds of marks): cut between code points.
                    for (int i = 0; i < cluster.length(); ) {
                        int cp = cluster.codePointAt(i);
                        int next = i + Character.charCount(cp);
                        int cpSize = utf8Length(cluster.substring(i, next));
                        if (bytes + cpSize > MAX_BYTES) {
                            break;
                        }
                        out.appendCodePoint(cp);
                        bytes += cpSize;
                        i = next;
                    }
                }
                break;
            }
            out.append(cluster);
            bytes += size;
        }
        return out.toString();
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}

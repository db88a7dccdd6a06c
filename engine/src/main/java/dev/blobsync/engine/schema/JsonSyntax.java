package dev.blobsync.engine.schema;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JSON or YAML syntax error as a user reads it: where ({@code line 3, column 1}) and what, in
 * words, without the parser's internals (its source description, class and feature names). The
 * mount's {@code meta.json} errors and the config loader's use it; the exception itself, with
 * everything, belongs in the log.
 */
public final class JsonSyntax {
    private static final Pattern START_MARKER = Pattern.compile(
            "\\(start marker at \\[Source: [^\\]]*?line: (\\d+), column: (\\d+)\\]\\)");
    private static final Pattern SOURCE = Pattern.compile("\\s*(at )?\\[Source: [^\\]]*\\]");
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate (?:field|Object property) \"?'?([^'\"]*)'?\"?");
    private static final Pattern NESTING = Pattern.compile(
            "Document nesting depth \\((\\d+)\\) exceeds the maximum allowed \\((\\d+).*");
    private static final Pattern LIMIT_FROM = Pattern.compile("\\((\\d+), from `[^`]*`\\)");
    private static final Pattern BACKTICKED_PARENS = Pattern.compile("\\s*\\([^()]*`[^()]*\\)");
    private static final Pattern CHAR_CODE = Pattern.compile("('.') \\(code \\d+\\)");
    private static final Pattern END_IN = Pattern.compile("Unexpected end-of-input(?: in [A-Z_]+| within/between \\w+ entries)?");

    private JsonSyntax() {
    }

    /** {@code line L, column C: problem}, or just the problem when the parser gave no position. */
    public static String describe(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String where = at == null || at.getLineNr() < 1 ? ""
                : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ";
        return where + problem(e.getOriginalMessage());
    }

    /** The parser's message {@code original} without its internals. */
    static String problem(String original) {
        if (original == null || original.isBlank()) {
            return "unreadable";
        }
        String s = original.strip().replaceAll("\\s*\\n\\s*", " ");
        Matcher m = DUPLICATE.matcher(s);
        if (m.matches()) {
            return "the key '" + m.group(1) + "' appears twice at the same level";
        }
        if (s.startsWith("Trailing token")) {
            return "more text follows the end of the document";
        }
        m = NESTING.matcher(s);
        if (m.matches()) {
            return "the document is nested more than " + m.group(2) + " levels deep";
        }
        s = START_MARKER.matcher(s).replaceAll("(opened at line $1, column $2)");
        s = SOURCE.matcher(s).replaceAll("");
        s = LIMIT_FROM.matcher(s).replaceAll("($1)");
        s = BACKTICKED_PARENS.matcher(s).replaceAll("");
        s = s.replace("`", "'");
        s = CHAR_CODE.matcher(s).replaceAll("$1");
        s = END_IN.matcher(s).replaceAll("the text ends too early");
        return s.strip();
    }
}

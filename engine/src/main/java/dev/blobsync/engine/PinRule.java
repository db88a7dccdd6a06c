package dev.blobsync.engine;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A stored pin by query: every record of {@code table} that matches all conditions, now or
 * later (pulled from another device or written here), is kept at {@code priority}; with
 * {@link Priority#HIGH} its blobs are fetched in full and never evicted. Rules live in the local
 * store and survive restarts; the engine applies them through live queries. Make one with
 * {@link CacheControl#pinRule}.
 *
 * @param id        the rule's number on this device
 * @param table     the table whose records it selects
 * @param where     conditions that must all hold; empty selects the whole table
 * @param priority  the priority given to the records it selects
 * @param createdAt when the rule was made
 */
public record PinRule(long id, String table, List<Condition> where, Priority priority, Instant createdAt) {

    public PinRule {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(priority, "priority");
        where = List.copyOf(where);
    }

    /** "photos where takenAt >= 2026-01-01 and familyId = …", or "every record of photos". */
    public String describe() {
        return where.isEmpty() ? "every record of " + table
                : table + " where " + where.stream().map(Condition::toString).collect(Collectors.joining(" and "));
    }

    /**
     * One condition of the engine's query language, {@link Query#where(String, String, Object)}:
     * a field, an operator ({@code = < <= > >=}) and a value in its JSON form (a datetime as
     * ISO-8601, a date alone meaning its start in UTC).
     */
    public record Condition(String field, String operator, String value) {
        private static final List<String> OPERATORS = List.of(">=", "<=", "=", "<", ">");

        public Condition {
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(value, "value");
            if (!OPERATORS.contains(operator)) {
                throw new InvalidException(field, "The operator '" + operator + "' is not one of = < <= > >=.");
            }
        }

        /**
         * Parses {@code takenAt>=2026-01-01} or {@code familyId=…}: the field, then the first
         * operator, then the value (spaces around them are ignored).
         *
         * @throws InvalidException naming the text when it has no operator, field or value
         */
        public static Condition parse(String text) {
            String s = text == null ? "" : text.trim();
            int at = -1;
            String op = null;
            for (int i = 0; i < s.length() && op == null; i++) {
                for (String candidate : OPERATORS) {
                    if (s.startsWith(candidate, i)) {
                        at = i;
                        op = candidate;
                        break;
                    }
                }
            }
            if (op == null) {
                throw new InvalidException("where", "'" + s + "' is not a condition: write FIELD=VALUE or use one of"
                        + " < <= > >= between the field and the value, e.g. takenAt>=2026-01-01.");
            }
            String field = s.substring(0, at).trim();
            String value = s.substring(at + op.length()).trim();
            if (field.isEmpty() || value.isEmpty()) {
                throw new InvalidException("where", "'" + s + "' needs a field before " + op + " and a value after it,"
                        + " e.g. takenAt>=2026-01-01.");
            }
            return new Condition(field, op, value);
        }

        @Override
        public String toString() {
            return field + " " + operator + " " + value;
        }
    }
}

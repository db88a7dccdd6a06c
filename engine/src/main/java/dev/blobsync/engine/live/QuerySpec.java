package dev.blobsync.engine.live;

import dev.blobsync.engine.InvalidException;
import dev.blobsync.engine.Query;
import dev.blobsync.engine.Record;
import dev.blobsync.engine.schema.FieldSchema;
import dev.blobsync.engine.schema.FieldType;
import dev.blobsync.engine.schema.TableSchema;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * What a query asks for, checked against the schema: filters with typed values, order, limit,
 * and which blob fields get URLs. Immutable; each {@code with…} returns a new spec.
 */
record QuerySpec(TableSchema schema, List<Filter> filters, List<Order> orders, int limit, List<String> blobFields,
                 boolean refreshUrls) {

    enum Op {
        EQ("="), LT("<"), LE("<="), GT(">"), GE(">=");

        final String symbol;

        Op(String symbol) {
            this.symbol = symbol;
        }

        static Op parse(String field, String operator) {
            String o = operator == null ? "" : operator.trim();
            if (o.equals("==")) {
                return EQ;
            }
            for (Op op : values()) {
                if (op.symbol.equals(o)) {
                    return op;
                }
            }
            throw new InvalidException(field, "Unknown comparison '" + operator + "' for field '" + field
                    + "'. Use one of =, <, <=, >, >=.");
        }

        boolean test(int cmp) {
            return switch (this) {
                case EQ -> cmp == 0;
                case LT -> cmp < 0;
                case LE -> cmp <= 0;
                case GT -> cmp > 0;
                case GE -> cmp >= 0;
            };
        }
    }

    /** One condition; {@code value} is typed by the schema, {@code null} only with {@link Op#EQ}. */
    record Filter(String field, Op op, Object value) {
        boolean matches(Record r) {
            Object v = valueOf(r, field);
            if (op == Op.EQ) {
                return Objects.equals(v, value);
            }
            return v != null && op.test(compareValues(v, value));
        }
    }

    record Order(String field, boolean descending) {
    }

    private static final Set<FieldType> ORDERED = EnumSet.of(FieldType.STRING, FieldType.INT, FieldType.FLOAT,
            FieldType.DATETIME, FieldType.UUID);
    private static final Set<FieldType> SORTABLE = EnumSet.of(FieldType.STRING, FieldType.INT, FieldType.FLOAT,
            FieldType.DATETIME, FieldType.UUID, FieldType.BOOL);
    private static final Comparator<Record> BY_CHANGE = Comparator.comparing(Record::updatedAt)
            .thenComparing(Record::id);

    QuerySpec {
        filters = List.copyOf(filters);
        orders = List.copyOf(orders);
        blobFields = List.copyOf(blobFields);
    }

    /** Every record, in list order, with the URLs of every blob field, refreshed. */
    static QuerySpec all(TableSchema schema) {
        return new QuerySpec(schema, List.of(), List.of(), -1,
                schema.blobFields().stream().map(FieldSchema::name).toList(), true);
    }

    QuerySpec withFilter(String field, String operator, Object raw) {
        Op op = Op.parse(field, operator);
        FieldType type = typeOf(field);
        if (type == FieldType.BLOB && !(op == Op.EQ && raw == null)) {
            throw new InvalidException(field, "Field '" + field + "' of table '" + schema.name()
                    + "' is a blob; a query can only ask for records without one (where(\"" + field
                    + "\", null)).");
        }
        if (op != Op.EQ && !ORDERED.contains(type)) {
            throw new InvalidException(field, "Field '" + field + "' of table '" + schema.name() + "' is of type "
                    + type.typeName() + ", which has no order; " + op.symbol + " works on string, int, float,"
                    + " datetime and uuid fields. Use = instead.");
        }
        if (raw == null && (op != Op.EQ || field.equals("id"))) {
            throw new InvalidException(field, "Field '" + field + "' of table '" + schema.name()
                    + "' cannot be compared with null" + (field.equals("id") ? "." : " by " + op.symbol + "."));
        }
        Object typed = raw == null ? null : schema.coerce(field, raw);
        List<Filter> more = new ArrayList<>(filters);
        more.add(new Filter(field, op, typed));
        return new QuerySpec(schema, more, orders, limit, blobFields, refreshUrls);
    }

    QuerySpec withOrder(String field, Query.Direction direction) {
        Objects.requireNonNull(direction, "direction");
        FieldType type = typeOf(field);
        if (!SORTABLE.contains(type)) {
            throw new InvalidException(field, "Field '" + field + "' of table '" + schema.name() + "' is of type "
                    + type.typeName() + " and cannot order a query; string, int, float, datetime, uuid and bool"
                    + " fields can.");
        }
        List<Order> more = new ArrayList<>(orders);
        more.add(new Order(field, direction == Query.Direction.DESCENDING));
        return new QuerySpec(schema, filters, more, limit, blobFields, refreshUrls);
    }

    QuerySpec withLimit(int n) {
        if (n < 0) {
            throw new InvalidException("The limit of a query on table '" + schema.name()
                    + "' must be 0 or more, but got " + n + ".");
        }
        return new QuerySpec(schema, filters, orders, n, blobFields, refreshUrls);
    }

    QuerySpec withBlobFields(String... fields) {
        List<String> names = new ArrayList<>();
        for (String f : fields) {
            FieldSchema fs = schema.field(f).orElse(null);
            if (fs == null || fs.type() != FieldType.BLOB) {
                throw new InvalidException(f, "Table '" + schema.name() + "' has no blob field '" + f
                        + "'. Blob fields: " + schema.blobFields().stream().map(FieldSchema::name)
                        .collect(Collectors.joining(", ")) + ".");
            }
            if (!names.contains(f)) {
                names.add(f);
            }
        }
        return new QuerySpec(schema, filters, orders, limit, names, refreshUrls);
    }

    QuerySpec withRefreshUrls(boolean refresh) {
        return new QuerySpec(schema, filters, orders, limit, blobFields, refresh);
    }

    private FieldType typeOf(String field) {
        if ("id".equals(field)) {
            return FieldType.UUID;
        }
        return schema.field(field).map(FieldSchema::type).orElseThrow(() -> new InvalidException(field,
                "Table '" + schema.name() + "' has no field '" + field + "'. Fields: id, "
                        + schema.fields().stream().map(FieldSchema::name).collect(Collectors.joining(", ")) + "."));
    }

    boolean matches(Record r) {
        for (Filter f : filters) {
            if (!f.matches(r)) {
                return false;
            }
        }
        return true;
    }

    /** A total order: the query's fields (absent values last either way), then id; else list order. */
    Comparator<Record> comparator() {
        if (orders.isEmpty()) {
            return BY_CHANGE;
        }
        return (a, b) -> {
            for (Order o : orders) {
                Object x = valueOf(a, o.field());
                Object y = valueOf(b, o.field());
                if (x == null || y == null) {
                    if (x != y) {
                        return x == null ? 1 : -1;
                    }
                    continue;
                }
                int c = compareValues(x, y);
                if (c != 0) {
                    return o.descending() ? -c : c;
                }
            }
            return a.id().compareTo(b.id());
        };
    }

    /** The matching records of {@code records}, ordered and limited. */
    List<Record> evaluate(List<Record> records) {
        List<Record> out = new ArrayList<>();
        for (Record r : records) {
            if (matches(r)) {
                out.add(r);
            }
        }
        out.sort(comparator());
        return limit >= 0 && out.size() > limit ? new ArrayList<>(out.subList(0, limit)) : out;
    }

    static Object valueOf(Record r, String field) {
        return "id".equals(field) ? r.id() : r.get(field);
    }

    /** Values of one field; uuids by their text, as the stored form and SQL compare them. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static int compareValues(Object a, Object b) {
        if (a instanceof UUID x && b instanceof UUID y) {
            return x.toString().compareTo(y.toString());
        }
        if (a instanceof Comparable x && a.getClass() == b.getClass()) {
            return x.compareTo(b);
        }
        // Only reachable for values of mismatched types, which coercion rules out.
        return a.toString().compareTo(b.toString());
    }
}

package dev.blobsync.fs;

import dev.blobsync.engine.Record;
import dev.blobsync.engine.Table;
import dev.blobsync.engine.schema.FieldSchema;
import dev.blobsync.engine.schema.FieldType;
import dev.blobsync.engine.schema.TableSchema;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The folder names of one table and the latest record behind each, so that lookups, {@code ls}
 * and {@code getattr} never query the engine.
 *
 * <p>A record's folder is named by {@link TableSchema#folderName}. When two records render the
 * same name, the one that held it first keeps it and the other gets a visible suffix
 * {@code " [<first 8 hex of its id>]"}; names only move when their record changes. A name the
 * user typed ({@code mkdir}, a folder rename) is kept as long as the record renders the name it
 * rendered then.
 *
 * <p>Every method is synchronized on the index; it calls nothing that takes another lock of the
 * filesystem, so it is the last lock in any order (see {@link BlobsyncFs}).
 */
final class TableIndex {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?}");

    /** One record folder. {@code typed} is the name the user gave it, kept while {@code typedBase} holds. */
    record Entry(Record record, String base, String display, String typed, String typedBase) {
    }

    /** An old file name that was imported into a record, still resolving to that blob. */
    record ImportAlias(UUID id, String field) {
    }

    private final Table table;
    private final TableSchema schema;
    private final FieldSchema nameField;

    // guarded by this
    private final Map<UUID, Entry> byId = new HashMap<>();
    private final Map<String, UUID> byName = new HashMap<>();
    private final Map<String, ImportAlias> imports = new HashMap<>();
    /**
     * Names a folder had before its record was renamed by an edit. libfuse keeps addressing an
     * open file or a working directory by the path it was opened under, so an editor that saved
     * a new title into meta.json can still remove its swap file under the old folder name.
     * Only renames made through this mount leave one: a remote rename shows as the old name gone.
     */
    private final Map<String, UUID> formerNames = new HashMap<>();
    private final Map<UUID, Set<String>> hidden = new HashMap<>();
    private final Map<UUID, Long> generation = new HashMap<>();
    /** Records with an update through this mount under way: their notifications count as local. */
    private final Map<UUID, Integer> writing = new HashMap<>();

    TableIndex(Table table) {
        this.table = table;
        this.schema = table.schema();
        this.nameField = singleStringPlaceholder(schema);
    }

    String name() {
        return table.name();
    }

    Table table() {
        return table;
    }

    TableSchema schema() {
        return schema;
    }

    /** The one string field in the folder-name template, if there is exactly one. */
    Optional<FieldSchema> nameField() {
        return Optional.ofNullable(nameField);
    }

    private static FieldSchema singleStringPlaceholder(TableSchema schema) {
        String template = schema.folderNameTemplate();
        if (template == null) {
            return null;
        }
        Set<String> names = new LinkedHashSet<>();
        Matcher m = PLACEHOLDER.matcher(template);
        while (m.find()) {
            names.add(m.group(1));
        }
        List<FieldSchema> strings = names.stream().map(schema::field).flatMap(Optional::stream)
                .filter(f -> f.type() == FieldType.STRING).toList();
        return strings.size() == 1 ? strings.get(0) : null;
    }

    /** Reads every record of the table; the oldest records claim their names first. */
    synchronized void load() {
        byId.clear();
        byName.clear();
        List<Record> records = new ArrayList<>(table.list());
        records.sort(Comparator.comparing(Record::updatedAt).thenComparing(Record::id));
        for (Record r : records) {
            applyLocked(r.id(), r, false);
        }
    }

    /**
     * Re-reads one record after the engine said it changed. A local write that lands while the
     * read is under way wins: it is newer, and a later notification reads again anyway.
     */
    void refresh(UUID id) {
        long before;
        synchronized (this) {
            before = generation.getOrDefault(id, 0L);
        }
        Record fresh = table.get(id).orElse(null);
        synchronized (this) {
            if (generation.getOrDefault(id, 0L) == before) {
                // The engine may announce our own update before update() has returned.
                applyLocked(id, fresh, writing.containsKey(id));
            }
        }
    }

    /** Updates a record through the engine and takes the result at once (read-your-writes). */
    Record update(UUID id, Map<String, Object> changes) {
        synchronized (this) {
            writing.merge(id, 1, Integer::sum);
        }
        try {
            Record updated = table.update(id, changes);
            put(updated);
            return updated;
        } finally {
            synchronized (this) {
                writing.computeIfPresent(id, (k, n) -> n == 1 ? null : n - 1);
            }
        }
    }

    /** Takes the record a local write returned, so the writer reads its own write at once. */
    synchronized void put(Record r) {
        generation.merge(r.id(), 1L, Long::sum);
        applyLocked(r.id(), r, true);
    }

    synchronized void remove(UUID id) {
        generation.merge(id, 1L, Long::sum);
        applyLocked(id, null, true);
    }

    /** @param local the change was made through this mount, so its old folder name stays resolvable */
    private void applyLocked(UUID id, Record r, boolean local) {
        Entry old = byId.get(id);
        if (r == null) {
            if (old != null) {
                byId.remove(id);
                byName.remove(old.display(), id);
                hidden.remove(id);
                formerNames.values().removeIf(id::equals);
                imports.values().removeIf(a -> a.id().equals(id));
            }
            return;
        }
        String base = schema.folderName(id, r.fields());
        String typed = old == null ? null : old.typed();
        String typedBase = old == null ? null : old.typedBase();
        if (typed != null && !base.equals(typedBase)) {
            typed = null;
            typedBase = null;
        }
        String wanted = typed != null ? typed : base;
        String display;
        if (old != null && (old.display().equals(wanted) || (typed == null && old.base().equals(base)))) {
            display = old.display();
        } else {
            if (old != null) {
                byName.remove(old.display(), id);
                if (local) {
                    formerNames.put(old.display(), id);
                }
            }
            display = claimLocked(wanted, id);
        }
        byId.put(id, new Entry(r, base, display, typed, typedBase));
    }

    private String claimLocked(String wanted, UUID id) {
        UUID holder = byName.get(wanted);
        String name = wanted;
        if (holder != null && !holder.equals(id)) {
            name = wanted + " [" + id.toString().substring(0, 8) + "]";
            UUID second = byName.get(name);
            if (second != null && !second.equals(id)) {
                name = wanted + " [" + id + "]";
            }
        }
        byName.put(name, id);
        formerNames.remove(name);
        return name;
    }

    /**
     * Names the folder of {@code id} as the user typed it, when that name is free; it stays
     * while the record keeps rendering its current name.
     */
    synchronized void nameAsTyped(UUID id, String typedName) {
        Entry e = byId.get(id);
        if (e == null || e.display().equals(typedName)) {
            return;
        }
        UUID holder = byName.get(typedName);
        if (holder != null && !holder.equals(id)) {
            return;
        }
        byName.remove(e.display(), id);
        formerNames.put(e.display(), id);
        byName.put(typedName, id);
        formerNames.remove(typedName);
        byId.put(id, new Entry(e.record(), e.base(), typedName, typedName, e.base()));
    }

    /** The record whose folder is named {@code folder} now. */
    synchronized Entry byName(String folder) {
        UUID id = byName.get(folder);
        return id == null ? null : byId.get(id);
    }

    /** Like {@link #byName}, but also finds a record by a name its folder had earlier in this mount. */
    synchronized Entry lookup(String folder) {
        UUID id = byName.get(folder);
        if (id == null) {
            id = formerNames.get(folder);
        }
        return id == null ? null : byId.get(id);
    }

    synchronized Entry byId(UUID id) {
        return byId.get(id);
    }

    synchronized List<Entry> entries() {
        return new ArrayList<>(byId.values());
    }

    synchronized void addImportAlias(String fileName, UUID id, String field) {
        imports.put(fileName, new ImportAlias(id, field));
    }

    synchronized ImportAlias importAlias(String fileName) {
        return imports.get(fileName);
    }

    synchronized boolean removeImportAlias(String fileName) {
        return imports.remove(fileName) != null;
    }

    /** Hides {@code child} (meta.json or a blob field name) of a record being removed. */
    synchronized void hide(UUID id, String child) {
        hidden.computeIfAbsent(id, k -> new HashSet<>()).add(child);
    }

    synchronized void unhide(UUID id, String child) {
        Set<String> set = hidden.get(id);
        if (set != null) {
            set.remove(child);
        }
    }

    synchronized boolean isHidden(UUID id, String child) {
        Set<String> set = hidden.get(id);
        return set != null && set.contains(child);
    }
}

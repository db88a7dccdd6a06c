package dev.blobsync.fs;

import dev.blobsync.engine.Record;
import dev.blobsync.engine.Table;
import dev.blobsync.engine.schema.FieldSchema;
import dev.blobsync.engine.schema.FieldType;
import dev.blobsync.engine.schema.TableSchema;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * user gave a folder ({@code mkdir}, a folder rename) that the template does not render is kept
 * in {@link TypedNames}, on disk, and shown on every mount of this cache for as long as the
 * record renders the name it rendered then (a change of a field the template uses, here or on
 * another device, brings the rendered name back).
 *
 * <p>One name per folder: a name the folder no longer has resolves to nothing, so no record can
 * be reached or removed under a name {@code ls} does not show. The one exception is
 * {@link #formerHolder}: when a local edit of {@code meta.json} renamed the folder without a
 * {@code rename()} call, libfuse keeps addressing open files and working directories by the old
 * path, and {@link PathResolver} lets that path reach the folder's scratch files and files still
 * open for writing, never the folder itself or its record's files.
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
    private final TypedNames typedNames;
    /**
     * Names a folder had before a local edit of its record (meta.json) renamed it. Only such
     * edits leave one: a {@code rename()} needs none (libfuse moves its own paths along) and a
     * remote change shows as the old name gone.
     */
    private final Map<String, UUID> formerNames = new HashMap<>();
    private final Map<UUID, Set<String>> hidden = new HashMap<>();
    private final Map<UUID, Long> generation = new HashMap<>();
    /** Records with an update through this mount under way: their notifications count as local. */
    private final Map<UUID, Integer> writing = new HashMap<>();
    /** Records being renamed through {@link #rename}: their old name goes at once, with no alias. */
    private final Map<UUID, Integer> renaming = new HashMap<>();
    private volatile boolean complete;

    /** @param namesDir where the names users gave folders of this table are kept */
    TableIndex(Table table, Path namesDir) {
        this.table = table;
        this.schema = table.schema();
        this.nameField = singleStringPlaceholder(schema);
        this.typedNames = new TypedNames(namesDir);
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

    /**
     * True once the index holds the table as of a pull that caught up with the data provider;
     * until then a listing shows only part of the table (see {@link FirstPull}).
     */
    boolean complete() {
        return complete;
    }

    void markComplete() {
        complete = true;
    }

    /** Reads every record of the table; the oldest records claim their names first. */
    synchronized void load() {
        byId.clear();
        byName.clear();
        formerNames.clear();
        typedNames.load();
        List<Record> records = new ArrayList<>(table.list());
        records.sort(Comparator.comparing(Record::updatedAt).thenComparing(Record::id));
        Set<UUID> present = new HashSet<>();
        for (Record r : records) {
            applyLocked(r.id(), r, false, null);
            present.add(r.id());
        }
        // Names kept for records deleted elsewhere while this cache was not mounted.
        for (UUID id : typedNames.ids()) {
            if (!present.contains(id)) {
                typedNames.forget(id);
            }
        }
    }

    /**
     * Reads the whole table again once the first pull has caught up, taking every record that is
     * new or changed; records written through the mount meanwhile keep their newer state. Call it
     * on the thread that calls {@link #refresh}, never beside it: both apply reads of the engine,
     * and only local writes are guarded against an older read.
     */
    void catchUp() {
        Map<UUID, Long> before;
        synchronized (this) {
            before = new HashMap<>(generation);
        }
        List<Record> records = new ArrayList<>(table.list());
        records.sort(Comparator.comparing(Record::updatedAt).thenComparing(Record::id));
        synchronized (this) {
            Set<UUID> present = new HashSet<>();
            for (Record r : records) {
                present.add(r.id());
                Entry held = byId.get(r.id());
                if (Objects.equals(generation.get(r.id()), before.get(r.id()))
                        && (held == null || !held.record().equals(r))) {
                    applyLocked(r.id(), r, false, null);
                }
            }
            for (UUID id : new ArrayList<>(byId.keySet())) {
                if (!present.contains(id) && Objects.equals(generation.get(id), before.get(id))) {
                    applyLocked(id, null, false, null);
                }
            }
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
                applyLocked(id, fresh, writing.containsKey(id) && !renaming.containsKey(id), null);
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

    /**
     * A folder rename: updates the record through the engine and names its folder
     * {@code newName} at once. The old name resolves to nothing from then on.
     */
    Record rename(UUID id, Map<String, Object> changes, String newName) {
        synchronized (this) {
            writing.merge(id, 1, Integer::sum);
            renaming.merge(id, 1, Integer::sum);
        }
        try {
            Record updated = table.update(id, changes);
            synchronized (this) {
                generation.merge(id, 1L, Long::sum);
                applyLocked(id, updated, false, newName);
            }
            return updated;
        } finally {
            synchronized (this) {
                writing.computeIfPresent(id, (k, n) -> n == 1 ? null : n - 1);
                renaming.computeIfPresent(id, (k, n) -> n == 1 ? null : n - 1);
            }
        }
    }

    /** Takes the record a local write returned, so the writer reads its own write at once. */
    synchronized void put(Record r) {
        generation.merge(r.id(), 1L, Long::sum);
        applyLocked(r.id(), r, true, null);
    }

    /** Takes a record made by {@code mkdir}, its folder named as the user typed it. */
    synchronized void putNamed(Record r, String typedName) {
        generation.merge(r.id(), 1L, Long::sum);
        applyLocked(r.id(), r, false, typedName);
    }

    synchronized void remove(UUID id) {
        generation.merge(id, 1L, Long::sum);
        applyLocked(id, null, true, null);
    }

    /**
     * @param local    the change was made through this mount: if it renames the folder, the old
     *                 name stays resolvable for what libfuse still addresses by it
     * @param typedNow the name the user gives the folder now, or null to keep the current rule
     */
    private void applyLocked(UUID id, Record r, boolean local, String typedNow) {
        Entry old = byId.get(id);
        if (r == null) {
            if (old != null) {
                byId.remove(id);
                byName.remove(old.display(), id);
                hidden.remove(id);
                formerNames.values().removeIf(id::equals);
                imports.values().removeIf(a -> a.id().equals(id));
            }
            typedNames.forget(id);
            return;
        }
        String base = schema.folderName(id, r.fields());
        String typed;
        String typedBase;
        if (typedNow != null) {
            typed = typedNow;
            typedBase = base;
        } else if (old != null) {
            typed = old.typed();
            typedBase = old.typedBase();
        } else {
            TypedNames.Name kept = typedNames.get(id);
            typed = kept == null ? null : kept.typed();
            typedBase = kept == null ? null : kept.base();
        }
        if (typed != null && (typed.equals(base) || !base.equals(typedBase))) {
            typed = null;
            typedBase = null;
        }
        String wanted = typed != null ? typed : base;
        String display;
        boolean keep = old != null && (old.display().equals(wanted)
                || (typedNow == null && typed == null && old.typed() == null && old.base().equals(base)));
        if (keep) {
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
        if (typed != null) {
            typedNames.put(id, new TypedNames.Name(typed, typedBase));
        } else {
            typedNames.forget(id);
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

    /** The record whose folder is named {@code folder} now. */
    synchronized Entry byName(String folder) {
        UUID id = byName.get(folder);
        return id == null ? null : byId.get(id);
    }

    /**
     * The record whose folder was named {@code folder} before a local meta.json edit renamed it,
     * when no folder has that name now. Only for paths inside the folder (see the class comment).
     */
    synchronized Entry formerHolder(String folder) {
        if (byName.containsKey(folder)) {
            return null;
        }
        UUID id = formerNames.get(folder);
        return id == null ? null : byId.get(id);
    }

    synchronized Entry byId(UUID id) {
        return byId.get(id);
    }

    synchronized List<Entry> entries() {
        return new ArrayList<>(byId.values());
    }

    synchronized int size() {
        return byId.size();
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

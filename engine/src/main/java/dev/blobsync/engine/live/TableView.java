package dev.blobsync.engine.live;

import dev.blobsync.engine.Record;
import dev.blobsync.engine.Table;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * The records of one table held in memory while subscriptions watch it: read once in full, then
 * record by record as the engine reports changes, so that no delivery rescans the store.
 * Confined to the query thread.
 */
final class TableView {
    /** One record that changed: {@code before} or {@code after} is null when it appeared or went. */
    record Change(UUID id, Record before, Record after) {
    }

    final Table table;
    final List<LiveSubscription> subscriptions = new ArrayList<>();
    private final Map<UUID, Record> records = new HashMap<>();

    TableView(Table table) {
        this.table = table;
    }

    void load() {
        records.clear();
        for (Record r : table.list()) {
            records.put(r.id(), r);
        }
    }

    Collection<Record> records() {
        return records.values();
    }

    /**
     * Reads the records in {@code ids} again and returns those that differ. Many ids at once
     * (an import, a first pull) are read with one scan of the table instead.
     */
    List<Change> refresh(Set<UUID> ids) {
        List<Change> changes = new ArrayList<>();
        if (ids.size() > Math.max(64, records.size() / 4)) {
            Map<UUID, Record> fresh = new HashMap<>();
            for (Record r : table.list()) {
                fresh.put(r.id(), r);
            }
            Set<UUID> all = new HashSet<>(records.keySet());
            all.addAll(fresh.keySet());
            for (UUID id : all) {
                Record before = records.get(id);
                Record after = fresh.get(id);
                if (!Objects.equals(before, after)) {
                    changes.add(new Change(id, before, after));
                }
            }
            records.clear();
            records.putAll(fresh);
            return changes;
        }
        for (UUID id : ids) {
            Record after = table.get(id).orElse(null);
            Record before = after == null ? records.remove(id) : records.put(id, after);
            if (!Objects.equals(before, after)) {
                changes.add(new Change(id, before, after));
            }
        }
        return changes;
    }
}

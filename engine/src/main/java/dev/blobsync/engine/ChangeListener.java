package dev.blobsync.engine;

import java.util.UUID;

/**
 * Told about every record change, local or remote. Runs on an engine thread; must not block.
 * Changes of one record that arrive while its last one is still undelivered are told once, so
 * read the record when told. For query results rather than ids, use {@link Table#query()}.
 */
@FunctionalInterface
public interface ChangeListener {
    void recordChanged(String table, UUID id);
}

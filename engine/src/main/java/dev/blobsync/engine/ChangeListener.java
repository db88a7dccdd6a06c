package dev.blobsync.engine;

import java.util.UUID;

/** Told about every record change, local or remote. Runs on an engine thread; must not block. */
@FunctionalInterface
public interface ChangeListener {
    void recordChanged(String table, UUID id);
}

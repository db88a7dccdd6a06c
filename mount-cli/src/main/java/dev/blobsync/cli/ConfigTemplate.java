package dev.blobsync.cli;

import java.nio.file.Path;
import java.util.UUID;

/** The commented configuration {@code blobsync init} writes for the embedded default. */
final class ConfigTemplate {
    private ConfigTemplate() {
    }

    /**
     * Renders a config for a hub and a cache folder. With {@code schemaFile} the schema is
     * referenced; without, the photos schema is written inline with a new family id.
     */
    static String render(Path hub, Path cache, Path schemaFile) {
        String schema = schemaFile != null
                ? "schema: " + quote(schemaFile.toString()) + "\n"
                : photosSchema(UUID.randomUUID());
        return """
                # blobsync configuration for the embedded default: no server to run.
                # Every key is explained in README.md, section "Configuration".

                # Records. The embedded default is a hub folder holding a SQLite file;
                # every mount or app on this machine that names the same hub syncs with the others.
                data:
                  provider: sqlite
                  config:
                    hub: %1$s

                # Blob bytes (photos, audio, ...): a content-addressed folder inside the same hub.
                blobs:
                  provider: filesystem
                  config:
                    hub: %1$s

                # This device's own files: the local database, cached blobs and scratch files.
                # Each mount needs a cache folder of its own.
                cache:
                  directory: %2$s

                # What happens when the hub cannot be reached or two devices edit the same record.
                offline:
                  conflictResolution: last-write-wins   # last-write-wins | server-wins
                  retryStrategy:
                    maxAttempts: 5          # then the item shows state 'error'; it is kept and retried on flush
                    backoff: exponential    # exponential | linear | fixed, with full jitter

                # How often remote changes are fetched.
                sync:
                  pollInterval: 1s

                # The tables, shown as folders in the mount. Inline here, or a path to a schema file.
                %3$s""".formatted(quote(hub.toString()), quote(cache.toString()), schema);
    }

    private static String photosSchema(UUID familyId) {
        return """
                schema:
                  photos:
                    # How record folders are named; a field that is empty is left out.
                    $folderName: "{takenAt:yyyy-MM-dd} {title}"
                    id: uuid
                    title: string
                    takenAt: { type: datetime, default: now }
                    # This library's family. Give the family's other devices the same id.
                    familyId: { type: uuid, default: %s }
                    image: { type: blob, mimeTypes: ['image/*'] }
                    audio: { type: blob, mimeTypes: ['audio/*'], optional: true }
                """.formatted(familyId);
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}

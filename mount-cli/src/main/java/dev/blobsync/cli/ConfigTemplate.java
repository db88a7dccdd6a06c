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
                  conflictResolution: last-write-wins   # last-write-wins | server-wins | manual
                  retryStrategy:
                    maxAttempts: 5          # then the item shows state 'error'; it is kept and retried on flush
                    backoff: exponential    # exponential | linear | fixed, with full jitter

                # How often remote changes are fetched.
                sync:
                  pollInterval: 1s

                # The tables, shown as folders in the mount. Inline here, or a path to a schema file.
                %3$s""".formatted(quote(hub.toString()), quote(cache.toString()), schema);
    }

    /** Where records and blobs of a PostgreSQL config go. */
    record Postgres(String url, String passwordEnv, String blobs, Path blobsDir, String s3Preset, String s3Endpoint,
                    String s3Bucket) {
    }

    /**
     * Renders a config with records in PostgreSQL ({@code pg.url()}) and blobs in a folder or an
     * S3 bucket. The photos table is scoped by familyId, so row-level security keeps families apart.
     */
    static String renderPostgres(Postgres pg, Path cache, Path schemaFile) {
        UUID family = UUID.randomUUID();
        String schema = schemaFile != null
                ? "schema: " + quote(schemaFile.toString()) + "\n"
                : photosSchema(family).replace("    $folderName:", "    # Row-level security: each device's role sees only its families' records.\n"
                        + "    $scope: familyId\n    $folderName:");
        String password = pg.passwordEnv() != null
                ? "    password: ${" + pg.passwordEnv() + "}   # read from the environment when blobsync starts\n"
                : "    # password: ${BLOBSYNC_PG_PASSWORD}   # when the server asks for one; never write it here\n";
        String blobs = "s3".equals(pg.blobs())
                ? """
                blobs:
                  provider: s3
                  config:
                    preset: %s
                %s    bucket: %s
                    # Credentials: accessKeyId and secretAccessKey, or the AWS_* environment variables.
                    # A key prefix per family lets bucket policies follow the families: prefix: 'families/%s/'
                """.formatted(pg.s3Preset() == null ? "s3" : pg.s3Preset(),
                        pg.s3Endpoint() == null ? "" : "    endpoint: " + quote(pg.s3Endpoint()) + "\n",
                        quote(pg.s3Bucket()), family)
                : """
                blobs:
                  provider: filesystem
                  config:
                    # A folder every device reaches (a shared or synced folder); use s3 across the internet.
                    directory: %s
                """.formatted(quote(pg.blobsDir().toString()));
        return """
                # blobsync configuration: records in PostgreSQL, shared by every device of the family.
                # Every key is explained in README.md, sections "Configuration" and "PostgreSQL".

                # Records. Connect directly or through a pooler in session mode: LISTEN/NOTIFY (changes
                # within a second) does not work through a transaction-mode pooler; blobsync then polls.
                data:
                  provider: postgres
                  config:
                    url: %1$s
                %2$s    schema: blobsync

                # Blob bytes (photos, audio, ...).
                %3$s
                # This device's own files: the local database, cached blobs and scratch files.
                cache:
                  directory: %4$s

                # What happens when the database cannot be reached or two devices edit the same record.
                offline:
                  conflictResolution: last-write-wins   # last-write-wins | server-wins | manual

                # How often remote changes are fetched when no notification comes; this device's name.
                sync:
                  pollInterval: 5s

                # The tables, shown as folders in the mount. Inline here, or a path to a schema file.
                %5$s""".formatted(quote(pg.url()), password, blobs, quote(cache.toString()), schema);
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

package dev.blobsync.cli;

import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.internal.FileModes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code blobsync init}: writes a commented config, for the embedded default (a hub folder) or
 * for records in PostgreSQL.
 */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Write a commented config: the embedded default (--hub, no server), or records in"
                + " PostgreSQL (--data postgres://user@host/db) with blobs in a folder or S3 (--blobs)."})
final class InitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--hub", paramLabel = "DIR",
            description = "The hub folder shared by every mount that should sync (created when missing).")
    Path hub;

    @Option(names = "--data", paramLabel = "URL",
            description = "Records in PostgreSQL: postgres://user@host:port/database.")
    String data;

    @Option(names = "--password-env", paramLabel = "NAME",
            description = "With --data: the environment variable holding the password (written as ${NAME}).")
    String passwordEnv;

    @Option(names = "--blobs", paramLabel = "KIND", defaultValue = "filesystem",
            description = "With --data: where blob bytes go, filesystem or s3 (default: ${DEFAULT-VALUE}).")
    String blobs;

    @Option(names = "--blobs-dir", paramLabel = "DIR",
            description = "With --blobs filesystem: the folder (default: 'blobs' next to CONFIG).")
    Path blobsDir;

    @Option(names = "--s3-bucket", paramLabel = "BUCKET", description = "With --blobs s3: the bucket.")
    String s3Bucket;

    @Option(names = "--s3-endpoint", paramLabel = "URL",
            description = "With --blobs s3: the endpoint, for services other than AWS (MinIO, Supabase, R2).")
    String s3Endpoint;

    @Option(names = "--s3-preset", paramLabel = "PRESET",
            description = "With --blobs s3: s3, r2, gcs, supabase or minio (default: s3).")
    String s3Preset;

    @Option(names = "--schema", paramLabel = "FILE",
            description = "A schema file (YAML or JSON) to use instead of the built-in photos schema.")
    Path schema;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "This device's cache folder (default: 'cache' next to CONFIG).")
    Path cache;

    @Option(names = "--force", description = "Overwrite CONFIG when it exists.")
    boolean force;

    @Parameters(index = "0", paramLabel = "CONFIG", description = "The config file to write, e.g. blobsync.yaml.")
    Path config;

    @Override
    public Integer call() throws IOException {
        Path file = config.toAbsolutePath().normalize();
        if (Files.exists(file) && !force) {
            throw new ParameterException(spec.commandLine(), file + " exists already; pass --force to overwrite it.");
        }
        if (schema != null && !Files.isRegularFile(schema)) {
            throw new ParameterException(spec.commandLine(), "The schema file " + schema.toAbsolutePath()
                    + " does not exist.");
        }
        Path cacheDir = cache != null ? cache.toAbsolutePath().normalize() : file.resolveSibling("cache");
        Path schemaFile = schema == null ? null : schema.toAbsolutePath().normalize();
        if ((hub == null) == (data == null)) {
            throw new ParameterException(spec.commandLine(), "Give either --hub DIR (the embedded default) or --data"
                    + " postgres://user@host/db (records in PostgreSQL).");
        }
        if (data != null) {
            if (!data.startsWith("postgres://") && !data.startsWith("postgresql://")) {
                throw new ParameterException(spec.commandLine(), "--data " + data + ": write it like"
                        + " postgres://alice@db.example.com:5432/family.");
            }
            if (!blobs.equals("filesystem") && !blobs.equals("s3")) {
                throw new ParameterException(spec.commandLine(), "--blobs " + blobs + ": use filesystem or s3.");
            }
            if (blobs.equals("s3") && s3Bucket == null) {
                throw new ParameterException(spec.commandLine(), "--blobs s3 needs --s3-bucket.");
            }
            Path dir = blobsDir != null ? blobsDir.toAbsolutePath().normalize() : file.resolveSibling("blobs");
            writeText(file, ConfigTemplate.renderPostgres(new ConfigTemplate.Postgres(data, passwordEnv, blobs, dir,
                    s3Preset, s3Endpoint, s3Bucket), cacheDir, schemaFile));
            spec.commandLine().getOut().println("Wrote " + file + ". The first mount creates blobsync's tables in the"
                    + " database; add each other device or family member with: blobsync postgres add-member --config "
                    + file + " --scope FAMILY_ID --role NAME");
            return 0;
        }
        write(file, hub.toAbsolutePath().normalize(), cacheDir, schemaFile);
        spec.commandLine().getOut().println("Wrote " + file + ". Mount it with: blobsync mount --config " + file
                + " MOUNTPOINT");
        return 0;
    }

    /**
     * Writes the config, readable by this user only (0600: configs may come to hold keys), and
     * checks that it loads, so init never leaves a broken file.
     */
    static void write(Path file, Path hub, Path cache, Path schema) throws IOException {
        writeText(file, ConfigTemplate.render(hub, cache, schema));
    }

    private static void writeText(Path file, String text) throws IOException {
        if (!Files.isDirectory(file.getParent())) {
            FileModes.PRIVATE.createDirectories(file.getParent());
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        FileModes.PRIVATE.createFile(tmp);
        Files.writeString(tmp, text);
        try {
            ConfigLoader.load(tmp);
        } catch (RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}

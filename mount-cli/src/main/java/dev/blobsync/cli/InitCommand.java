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

/** {@code blobsync init}: writes a commented config for the embedded default. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Write a commented config for the embedded default (a hub folder, no server).")
final class InitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--hub", required = true, paramLabel = "DIR",
            description = "The hub folder shared by every mount that should sync (created when missing).")
    Path hub;

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
        write(file, hub.toAbsolutePath().normalize(), cacheDir,
                schema == null ? null : schema.toAbsolutePath().normalize());
        spec.commandLine().getOut().println("Wrote " + file + ". Mount it with: blobsync mount --config " + file
                + " MOUNTPOINT");
        return 0;
    }

    /**
     * Writes the config, readable by this user only (0600: configs may come to hold keys), and
     * checks that it loads, so init never leaves a broken file.
     */
    static void write(Path file, Path hub, Path cache, Path schema) throws IOException {
        if (!Files.isDirectory(file.getParent())) {
            FileModes.PRIVATE.createDirectories(file.getParent());
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        FileModes.PRIVATE.createFile(tmp);
        Files.writeString(tmp, ConfigTemplate.render(hub, cache, schema));
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

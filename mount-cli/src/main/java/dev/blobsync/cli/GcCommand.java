package dev.blobsync.cli;

import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.config.Durations;
import dev.blobsync.engine.config.EngineConfig;
import dev.blobsync.engine.config.Sizes;
import dev.blobsync.engine.gc.BlobCollector;
import dev.blobsync.engine.provider.Providers;
import dev.blobsync.engine.spi.BlobProvider;
import dev.blobsync.engine.spi.DataProvider;
import dev.blobsync.engine.spi.PendingUpload;
import dev.blobsync.engine.spi.StoredBlob;
import dev.blobsync.engine.store.LocalStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code blobsync gc}: deletes blobs that no record references and that are older than the
 * grace period, and aborts upload sessions idle that long. Safe to run while mounts and apps
 * use the same store; {@link BlobCollector} explains why.
 */
@Command(name = "gc", mixinStandardHelpOptions = true,
        description = {"Delete blobs no record references, once older than the grace period, and abort"
                + " unfinished uploads idle that long.",
            "References come from every record of the data provider (deleted ones too while deleted"
                + " within the grace period) and from this device's queued changes and uploads."})
final class GcCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "CONFIG",
            description = "The config file (default: ~/.config/blobsync/config.yaml).")
    Path config;

    @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "7d",
            description = "Keep blobs and sessions younger than this (default: ${DEFAULT-VALUE}); at least 1h.")
    String grace;

    @Option(names = "--dry-run", description = "Report what would be deleted; delete nothing.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        Duration keep;
        try {
            keep = Durations.parse(grace);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--grace: " + e.getMessage());
        }
        if (keep.compareTo(Duration.ofHours(1)) < 0) {
            // Shorter would rob clients between "upload completed" and "record pushed".
            throw new ParameterException(spec.commandLine(), "--grace " + grace + " is too short; use 1h or more"
                    + " (clients upload a blob before they push the record that uses it).");
        }
        Path file = config != null ? config.toAbsolutePath().normalize() : UserDirs.fromEnvironment().defaultConfig();
        if (!Files.isRegularFile(file)) {
            throw new ParameterException(spec.commandLine(), "The config file " + file + " does not exist.");
        }
        EngineConfig cfg = ConfigLoader.load(file);
        PrintWriter out = spec.commandLine().getOut();
        Path db = cfg.cache().directory().resolve("local.db");
        try (DataProvider data = Providers.data(cfg.data(), cfg.schema());
             BlobProvider blobs = Providers.blobs(cfg.blobs());
             LocalStore local = Files.isRegularFile(db) ? LocalStore.open(db) : null) {
            if (local == null) {
                out.println("No local store at " + db + "; only the data provider's records count as references.");
            }
            out.println("Collecting in " + blobs.describe() + " (grace " + grace + (dryRun ? ", dry run" : "") + ") ...");
            out.flush();
            BlobCollector.Report r = new BlobCollector(data, blobs, local, keep, Clock.systemUTC()).run(dryRun);
            print(out, r);
        }
        return 0;
    }

    private void print(PrintWriter out, BlobCollector.Report r) {
        String verb = r.dryRun() ? "would delete" : "deleted";
        out.printf("References: %d records (%d deleted within the grace period), %d from this device: %d blobs.%n",
                r.records(), r.tombstonesKept(), r.localReferences(), r.referenced());
        out.printf("Stored: %d blobs, %s. Unreferenced but younger than %s: %d. Referenced again during the run: %d.%n",
                r.stored(), Sizes.format(r.storedBytes()), grace, r.keptYoung(), r.referencedAfterRecheck());
        out.printf("%s %d blobs (%s).%n", capitalize(verb), r.deleted().size(), Sizes.format(r.deletedBytes()));
        for (StoredBlob b : r.deleted()) {
            out.printf("  %s  %s  last written %s%n", b.key(), Sizes.format(b.size()), b.lastModified());
        }
        out.printf("%s %d unfinished uploads idle for %s.%n", r.dryRun() ? "Would abort" : "Aborted",
                r.abortedUploads().size(), grace);
        for (PendingUpload u : r.abortedUploads()) {
            out.printf("  %s  since %s%n", u.key(), u.lastActive());
        }
    }

    private static String capitalize(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}

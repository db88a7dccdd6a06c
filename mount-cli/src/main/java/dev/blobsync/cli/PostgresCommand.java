package dev.blobsync.cli;

import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.config.EngineConfig;
import dev.blobsync.engine.provider.postgres.PostgresMembers;
import dev.blobsync.engine.provider.postgres.PostgresSettings;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code blobsync postgres …}: tools for a PostgreSQL data provider. */
@Command(name = "postgres", mixinStandardHelpOptions = true,
        description = "Tools for records in PostgreSQL.",
        subcommands = {PostgresCommand.AddMember.class, CommandLine.HelpCommand.class})
final class PostgresCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * {@code blobsync postgres add-member}: a role for a new device or family member, limited to
     * the records of its scopes, and the config lines its device needs.
     */
    @Command(name = "add-member", mixinStandardHelpOptions = true,
            description = {"Create a database role for a device or family member that reads and writes only the"
                    + " records of its scopes (row-level security), and print its device's config.",
                "Run it with the config of the role that owns the schema (the one `blobsync init --data` wrote)."})
    static final class AddMember implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--config", paramLabel = "CONFIG",
                description = "The owner's config file (default: ~/.config/blobsync/config.yaml).")
        Path config;

        @Option(names = "--scope", required = true, paramLabel = "ID",
                description = "A scope (the value of the schema's $scope field, e.g. a familyId); repeat for more.")
        List<String> scopes;

        @Option(names = "--role", required = true, paramLabel = "NAME",
                description = "The role to create or extend, e.g. alice or alice_laptop.")
        String role;

        @Option(names = "--new-password", description = "Give an existing role a new password (printed once).")
        boolean newPassword;

        @Override
        public Integer call() throws Exception {
            Path file = config != null ? config.toAbsolutePath().normalize()
                    : UserDirs.fromEnvironment().defaultConfig();
            if (!Files.isRegularFile(file)) {
                throw new ParameterException(spec.commandLine(), "The config file " + file + " does not exist.");
            }
            EngineConfig cfg = ConfigLoader.load(file);
            if (!cfg.data().provider().equals("postgres")) {
                throw new ParameterException(spec.commandLine(), file + " keeps records with provider "
                        + cfg.data().provider() + "; add-member needs data.provider postgres.");
            }
            if (cfg.schema().tables().values().stream().noneMatch(t -> t.scopeField().isPresent())) {
                spec.commandLine().getErr().println("Note: no table of the schema names a $scope field, so members"
                        + " see every record. Add $scope: familyId to a table to keep families apart.");
            }
            PostgresSettings owner = PostgresSettings.from(cfg.data());
            PostgresMembers.Member m = PostgresMembers.add(owner, cfg.schema(), role, scopes, newPassword);
            print(spec.commandLine().getOut(), owner, cfg, m);
            return 0;
        }

        private static void print(PrintWriter out, PostgresSettings owner, EngineConfig cfg, PostgresMembers.Member m) {
            out.println("Role " + m.role() + " may now read and write the records of " + String.join(", ", m.scopes())
                    + " in schema " + owner.schema() + ", and nothing else.");
            if (m.password() != null) {
                out.println("Its password (shown once; keep it in the device's environment, not in a file):");
                out.println("  " + m.password());
            } else {
                out.println("It keeps the password it had (--new-password gives it a new one).");
            }
            String where = owner.jdbcUrl().substring("jdbc:postgresql://".length());
            out.println();
            out.println("On " + m.role() + "'s device, use this data section (and export BLOBSYNC_PG_PASSWORD=...):");
            out.println("data:");
            out.println("  provider: postgres");
            out.println("  config:");
            out.println("    url: postgres://" + m.role() + "@" + where);
            out.println("    password: ${BLOBSYNC_PG_PASSWORD}");
            out.println("    schema: " + owner.schema());
            out.println("with the same blobs section as every other device of the family" + (cfg.blobs().provider()
                    .equals("s3") ? " (a key prefix per family, like prefix: 'families/" + m.scopes().get(0) + "/' on"
                    + " each of its devices, lets bucket policies follow the families)" : "")
                    + ", a cache folder of its own, and the same schema.");
            out.flush();
        }
    }
}

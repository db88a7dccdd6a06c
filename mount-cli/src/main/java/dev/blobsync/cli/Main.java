package dev.blobsync.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code blobsync} command. */
@Command(name = "blobsync", mixinStandardHelpOptions = true, version = "blobsync 0.1.0",
        description = "Sync records with blob fields (photos, audio, documents) and mount them as a drive.",
        subcommands = {InitCommand.class, MountCommand.class, QueueCommands.Queue.class, QueueCommands.Flush.class,
            GcCommand.class, PostgresCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println(cmd.getColorScheme().errorText("blobsync: " + Messages.of(e)));
            return 1;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}

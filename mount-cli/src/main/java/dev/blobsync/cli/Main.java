package dev.blobsync.cli;

import org.slf4j.LoggerFactory;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code blobsync} command. What it prints for the user are sentences on stdout and stderr;
 * developer logs go to a file in the cache folder ({@link Logs}) and, with {@code --verbose}, to
 * stderr as well.
 */
@Command(name = "blobsync", mixinStandardHelpOptions = true, version = "blobsync 0.1.0",
        description = "Sync records with blob fields (photos, audio, documents) and mount them as a drive.",
        subcommands = {InitCommand.class, MountCommand.class, UnmountCommand.class, StatusCommand.class,
            QueueCommands.Queue.class, QueueCommands.Flush.class, PinCommands.Pin.class, PinCommands.Unpin.class,
            PinCommands.Pins.class, GcCommand.class, PostgresCommand.class, InstallCommand.class, ServiceCommand.class,
            AutoComplete.GenerateCompletion.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Also print the developer log on stderr.")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(run(true, args));
    }

    /** Runs the command line and returns the exit code; logging is left as the caller set it (tests). */
    public static int run(String... args) {
        return run(false, args);
    }

    private static int run(boolean ownProcess, String... args) {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        cl.setExecutionStrategy(parsed -> {
            if (ownProcess) {
                Logs.manage(main.verbose);
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            LoggerFactory.getLogger(Main.class).info("{} failed", cmd.getCommandName(), e);
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

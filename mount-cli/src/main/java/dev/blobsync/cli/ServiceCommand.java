package dev.blobsync.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code blobsync service enable|disable}: a systemd user unit that mounts a config at login,
 * restarts the mount when it fails, and stops it with {@code blobsync unmount} (which saves open
 * files first).
 */
@Command(name = "service", mixinStandardHelpOptions = true,
        description = "Start a mount at login as a systemd user service, or stop doing so.",
        subcommands = {ServiceCommand.Enable.class, ServiceCommand.Disable.class})
final class ServiceCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Options of both subcommands. */
    abstract static class Unit implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "MOUNTPOINT", description = "Where the drive is mounted.")
        Path mountPoint;

        @Option(names = "--unit-dir", paramLabel = "DIR", hidden = true,
                description = "Where user units live (default: $XDG_CONFIG_HOME/systemd/user).")
        Path unitDir;

        Path mnt() {
            return mountPoint.toAbsolutePath().normalize();
        }

        Path unitFile() {
            Path dir = unitDir;
            if (dir == null) {
                String xdg = System.getenv("XDG_CONFIG_HOME");
                Path config = xdg != null && Path.of(xdg).isAbsolute() ? Path.of(xdg)
                        : InstallCommand.home().resolve(".config");
                dir = config.resolve("systemd").resolve("user");
            }
            return dir.resolve(unitName(mnt()));
        }

        /** Runs {@code systemctl --user ARGS}; null when it worked, else what it said. */
        static String systemctl(String... args) {
            List<String> cmd = new ArrayList<>(List.of("systemctl", "--user"));
            cmd.addAll(List.of(args));
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return String.join(" ", cmd) + " did not finish within 60 s";
                }
                return p.exitValue() == 0 ? null : (said.isEmpty() ? String.join(" ", cmd) + " failed" : said);
            } catch (IOException e) {
                return "systemctl could not run (" + e.getMessage() + "); is systemd installed?";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        }
    }

    @Command(name = "enable", mixinStandardHelpOptions = true,
            description = {"Write a systemd user unit that mounts CONFIG at MOUNTPOINT at login (restarted on"
                    + " failure, stopped with blobsync unmount), and enable and start it.",
                "Exit codes: 0 enabled and started; 1 the unit was written but systemctl refused (its words are"
                        + " printed, with the command to run in your desktop session)."})
    static final class Enable extends Unit {
        @Option(names = "--config", paramLabel = "CONFIG", description = "The config file (default:"
                + " ~/.config/blobsync/config.yaml).")
        Path config;

        @Option(names = "--prefix", paramLabel = "DIR", description = "Where blobsync install put the command"
                + " (default: ~/.local); without it there, the unit runs this jar with java.")
        Path prefix;

        @Option(names = "--no-enable", description = "Only write the unit file.")
        boolean noEnable;

        @Override
        public Integer call() throws IOException {
            Path cfg = (config != null ? config : UserDirs.fromEnvironment().defaultConfig()).toAbsolutePath().normalize();
            if (!Files.isRegularFile(cfg)) {
                throw new IllegalArgumentException("The config file " + cfg + " does not exist. Write one with:"
                        + " blobsync init --hub DIR " + cfg);
            }
            Path unit = unitFile();
            Files.createDirectories(unit.getParent());
            Files.writeString(unit, unitText(command(), cfg, mnt()));
            PrintWriter out = spec.commandLine().getOut();
            out.println("Wrote " + unit + ".");
            if (noEnable) {
                out.println("Enable it with: systemctl --user daemon-reload && systemctl --user enable --now "
                        + unit.getFileName());
                return 0;
            }
            String failed = systemctl("daemon-reload");
            if (failed == null) {
                failed = systemctl("enable", "--now", unit.getFileName().toString());
            }
            if (failed != null) {
                spec.commandLine().getErr().println("blobsync: systemd did not enable it: " + failed + ". In your"
                        + " desktop session run: systemctl --user daemon-reload && systemctl --user enable --now "
                        + unit.getFileName());
                return 1;
            }
            out.println("Enabled and started " + unit.getFileName() + ": " + mnt() + " is mounted at every login."
                    + " See it with: systemctl --user status " + unit.getFileName());
            return 0;
        }

        /** The command the unit runs: the installed script, else java with this jar. */
        private List<String> command() {
            Path installed = (prefix != null ? prefix : InstallCommand.home().resolve(".local")).toAbsolutePath()
                    .normalize().resolve("bin").resolve("blobsync");
            if (Files.isExecutable(installed)) {
                return List.of(installed.toString());
            }
            String java = ProcessHandle.current().info().command().orElse("/usr/bin/java");
            return List.of(java, "-Dfile.encoding=UTF-8", "-Dsun.jnu.encoding=UTF-8", "-jar",
                    InstallCommand.runningJar().toString());
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true,
            description = {"Stop and disable the unit of MOUNTPOINT and remove its file.",
                "Exit codes: 0 removed; 1 there is no such unit."})
    static final class Disable extends Unit {
        @Override
        public Integer call() throws IOException {
            Path unit = unitFile();
            if (!Files.exists(unit)) {
                spec.commandLine().getErr().println("blobsync: there is no unit " + unit + ".");
                return 1;
            }
            String failed = systemctl("disable", "--now", unit.getFileName().toString());
            Files.delete(unit);
            systemctl("daemon-reload");
            PrintWriter out = spec.commandLine().getOut();
            out.println("Removed " + unit + "." + (failed == null ? " It is stopped and no longer starts at login."
                    : " systemctl said: " + failed + " (if the unit still runs, stop it with blobsync unmount "
                    + mnt() + ")."));
            return 0;
        }
    }

    /** The unit file: mount in the foreground, restart on failure, stop through blobsync unmount. */
    static String unitText(List<String> command, Path config, Path mnt) {
        String cmd = String.join(" ", command.stream().map(ServiceCommand::unitQuote).toList());
        return "# Written by 'blobsync service enable'; remove with 'blobsync service disable " + mnt + "'.\n"
                + "[Unit]\n"
                + "Description=blobsync drive at " + mnt.toString().replace("%", "%%") + "\n"
                + "\n"
                + "[Service]\n"
                + "Type=simple\n"
                + "ExecStart=" + cmd + " mount --config " + unitQuote(config.toString()) + " " + unitQuote(mnt.toString())
                + "\n"
                + "ExecStop=" + cmd + " unmount " + unitQuote(mnt.toString()) + "\n"
                + "Restart=on-failure\n"
                + "RestartSec=10\n"
                + "TimeoutStopSec=120\n"
                + "\n"
                + "[Install]\n"
                + "WantedBy=default.target\n";
    }

    /** A word of an Exec line: quoted when it holds spaces, {@code %} doubled for systemd's specifiers. */
    static String unitQuote(String word) {
        String w = word.replace("%", "%%").replace("\\", "\\\\");
        return w.matches("[A-Za-z0-9_./:=+,@-]+") ? w : "\"" + w.replace("\"", "\\\"") + "\"";
    }

    /** A word for a POSIX shell, in single quotes. */
    static String shellQuote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** {@code blobsync-<path>.service}, the path escaped as {@code systemd-escape --path} does. */
    static String unitName(Path mnt) {
        String p = mnt.toString().replaceAll("^/+|/+$", "");
        StringBuilder out = new StringBuilder("blobsync-");
        byte[] bytes = p.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            char c = (char) (bytes[i] & 0xff);
            if (c == '/') {
                out.append('-');
            } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':'
                    || c == '_' || (c == '.' && i > 0)) {
                out.append(c);
            } else {
                out.append(String.format("\\x%02x", (int) c));
            }
        }
        return out.append(".service").toString();
    }
}

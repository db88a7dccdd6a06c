package dev.blobsync.stress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command as a user installs and runs it: {@code blobsync install} puts a working command and
 * its completion in a prefix; {@code service enable} writes a unit that {@code systemd-analyze
 * verify} accepts; the unit's ExecStart runs the mount as systemd would (a process of its own, no
 * terminal), its ExecStop ({@code blobsync unmount}) stops it from another process. Refused saves
 * reach the mount's output, a desktop notice and the rotated log file; the output carries no
 * developer log lines and no ANSI codes.
 */
class InstalledCommandIT {
    private static final Path JAR = Path.of("..").toAbsolutePath().normalize().resolve("mount-cli/target/blobsync.jar");

    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {
    }

    private Map<String, String> env() {
        return Map.of("HOME", tmp.resolve("home").toString(), "XDG_RUNTIME_DIR", tmp.resolve("run").toString(),
                "XDG_CONFIG_HOME", tmp.resolve("home/.config").toString(), "DISPLAY", ":99",
                "PATH", tmp.resolve("stubs") + ":" + System.getenv("PATH"),
                "BLOBSYNC_JAVA_OPTS", "-Dblobsync.log.maxFileSize=1KB");
    }

    private ProcessBuilder process(List<String> cmd) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("DBUS_SESSION_BUS_ADDRESS");
        pb.environment().remove("WAYLAND_DISPLAY");
        pb.environment().putAll(env());
        return pb;
    }

    private Run run(String... cmd) throws IOException, InterruptedException {
        Process p = process(List.of(cmd)).redirectError(tmp.resolve("err.txt").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("finished: " + String.join(" ", cmd)).isTrue();
        return new Run(p.exitValue(), out, Files.readString(tmp.resolve("err.txt")));
    }

    /** The words of an Exec line of the unit (no quoting is needed for the test's paths). */
    private static List<String> execLine(String unit, String key) {
        return unit.lines().filter(l -> l.startsWith(key + "=")).findFirst()
                .map(l -> List.of(l.substring(key.length() + 1).split(" "))).orElseThrow();
    }

    @Test
    void installServiceAndUnmountWorkAsAUserRunsThem() throws Exception {
        NewcomerMountIT.requireFuse();
        assertThat(JAR).as("the jar is built before stress tests run (mvn verify)").isRegularFile();
        Files.createDirectories(tmp.resolve("run"));
        Path stubs = Files.createDirectories(tmp.resolve("stubs"));
        Path notices = tmp.resolve("notices.txt");
        Files.writeString(stubs.resolve("notify-send"), "#!/bin/sh\nprintf '%s|' \"$@\" >> '" + notices + "'\necho >> '"
                + notices + "'\n");
        stubs.resolve("notify-send").toFile().setExecutable(true);

        Path prefix = tmp.resolve("prefix");
        Run install = run("java", "-jar", JAR.toString(), "install", "--prefix", prefix.toString());
        assertThat(install.exit()).as(install.err()).isZero();
        Path bin = prefix.resolve("bin/blobsync");
        assertThat(run(bin.toString(), "--version").out()).contains("blobsync 0.1.0");
        Path completion = prefix.resolve("share/bash-completion/completions/blobsync");
        Run sourced = run("bash", "-c", "source '" + completion + "' && complete -p blobsync");
        assertThat(sourced.exit()).as(sourced.err()).isZero();
        assertThat(sourced.err()).isEmpty();
        assertThat(sourced.out()).contains("blobsync");
        assertThat(Files.readString(completion)).contains("unmount").contains("pins").contains("status");

        Path config = tmp.resolve("blobsync.yaml");
        assertThat(run(bin.toString(), "init", "--hub", tmp.resolve("hub").toString(), config.toString()).exit()).isZero();
        Path mnt = tmp.resolve("drive");
        Run enable = run(bin.toString(), "service", "enable", "--config", config.toString(), "--prefix", prefix.toString(),
                mnt.toString());
        assertThat(enable.exit()).as("no user session bus here: written, not enabled").isEqualTo(1);
        assertThat(enable.err()).contains("systemctl --user enable --now blobsync-");
        Path unitFile;
        try (Stream<Path> units = Files.list(tmp.resolve("home/.config/systemd/user"))) {
            unitFile = units.filter(p -> p.toString().endsWith(".service")).findFirst().orElseThrow();
        }
        String unit = Files.readString(unitFile);
        assertThat(unit).contains("Restart=on-failure").contains("ExecStop=" + bin + " unmount " + mnt);
        verifyUnit(unitFile);

        Process daemon = process(execLine(unit, "ExecStart")).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("daemon.log").toFile()).start();
        try {
            if (!NewcomerMountIT.eventually(Duration.ofSeconds(60), () -> NewcomerMountIT.isMounted(mnt))) {
                fail("the unit's ExecStart did not mount:\n" + Files.readString(tmp.resolve("daemon.log")));
            }
            Path photo = tmp.resolve("IMG_7.jpg");
            byte[] b = new byte[100_000];
            new Random(7).nextBytes(b);
            Files.write(photo, b);
            Run cp = run("cp", photo.toString(), mnt.resolve("photos").toString());
            assertThat(cp.exit()).as(cp.err()).isZero();
            Path record;
            try (Stream<Path> s = Files.list(mnt.resolve("photos"))) {
                record = s.findFirst().orElseThrow();
            }
            Path bad = tmp.resolve("bad.json");
            Files.writeString(bad, "{\"title\": \"x\", \"familyId\": \"nope\"}");
            Run refused = run("cp", bad.toString(), record.resolve("meta.json").toString());
            assertThat(refused.exit()).isNotZero();
            assertThat(refused.err()).contains("Invalid argument");
            // Refused saves, paced, for 25 s: a program retrying the same refused save.
            Path logs = tmp.resolve("cache/logs");
            long started = System.nanoTime();
            int refusals = 1;
            while (System.nanoTime() - started < TimeUnit.SECONDS.toNanos(25)) {
                try {
                    Files.writeString(record.resolve("meta.json"), "{\"familyId\": \"nope-" + refusals + "\"}");
                } catch (IOException expected) {
                    // refused, as every one of these saves is
                }
                refusals++;
                Thread.sleep(10);
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) + 1;
            String daemonOut = Files.readString(tmp.resolve("daemon.log"));
            assertThat(daemonOut).contains("could not save " + record.resolve("meta.json")).contains("must be a UUID")
                    .doesNotContain("\u001b[").doesNotContain(" INFO ").doesNotContain(" WARN ");
            assertThat(daemonOut.lines().filter(l -> l.contains("could not save")).count())
                    .as(refusals + " refusals: the output says each kind of refusal, not every retry").isLessThan(50);
            assertThat(NewcomerMountIT.eventually(Duration.ofSeconds(10), () -> Files.exists(notices))).isTrue();
            String sent = Files.readString(notices);
            assertThat(sent).contains("blobsync could not save meta.json").contains("must be a UUID");
            // The stub writes one "--app-name=…" argument per notification (a body may span lines).
            assertThat(sent.split("--app-name=", -1).length - 1)
                    .as(refusals + " refusals in " + seconds + " s, at most one notice per 10 s")
                    .isLessThanOrEqualTo((int) (seconds / 10) + 2);
            String log;
            try (Stream<Path> files = Files.list(logs)) {
                log = files.map(f -> {
                    try {
                        return Files.readString(f);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }).collect(java.util.stream.Collectors.joining());
            }
            assertThat(log.lines().filter(l -> l.contains("must be a UUID")).count())
                    .as("the developer log is rate-limited too").isLessThan(50);
            assertThat(log).contains("WARN").contains("must be a UUID");
            try (Stream<Path> files = Files.list(logs)) {
                List<Path> all = files.toList();
                assertThat(all).as("rotated at 1 KB, at most 4 files").hasSizeBetween(1, 4);
                for (Path f : all) {
                    assertThat(Files.size(f)).as(f + " stays near its bound").isLessThan(8_000);
                }
            }

            Run status = run(bin.toString(), "status", "--config", config.toString(), "--json");
            assertThat(status.exit()).isIn(0, 1);
            assertThat(status.out()).contains("\"source\" : \"mount\"").contains("must be a UUID");

            Run stop = run(execLine(unit, "ExecStop").toArray(String[]::new));
            assertThat(stop.exit()).as(stop.err()).isZero();
            assertThat(stop.out()).contains("Unmounted " + mnt);
            assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).as("the daemon ends after blobsync unmount").isTrue();
            assertThat(daemon.exitValue()).isZero();
            assertThat(NewcomerMountIT.isMounted(mnt)).isFalse();
        } finally {
            if (daemon.isAlive()) {
                daemon.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            if (NewcomerMountIT.isMounted(mnt)) {
                new ProcessBuilder("fusermount", "-uz", mnt.toString()).start().waitFor();
            }
        }

        Process verbose = process(List.of(bin.toString(), "--verbose", "mount", "--config", config.toString(),
                mnt.toString())).redirectErrorStream(true).redirectOutput(tmp.resolve("verbose.log").toFile()).start();
        try {
            assertThat(NewcomerMountIT.eventually(Duration.ofSeconds(60), () -> NewcomerMountIT.isMounted(mnt))).isTrue();
            assertThat(run(bin.toString(), "unmount", mnt.toString()).exit()).isZero();
            assertThat(verbose.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(tmp.resolve("verbose.log"))).as("--verbose shows the developer log")
                    .contains(" INFO ").contains("mounted blobsync at " + mnt);
        } finally {
            if (verbose.isAlive()) {
                verbose.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }

        Run disable = run(bin.toString(), "service", "disable", mnt.toString());
        assertThat(disable.exit()).as(disable.err()).isZero();
        assertThat(unitFile).doesNotExist();
        assertThat(run(bin.toString(), "service", "disable", mnt.toString()).exit()).isEqualTo(1);
    }

    /** {@code systemd-analyze --user verify}: exit 0 and no complaint. Missing systemd fails under CI. */
    private void verifyUnit(Path unitFile) throws IOException, InterruptedException {
        Path analyze = Stream.of(System.getenv("PATH").split(":")).map(d -> Path.of(d, "systemd-analyze"))
                .filter(Files::isExecutable).findFirst().orElse(null);
        if (analyze == null) {
            String why = "systemd-analyze is missing (apt-get install systemd); it checks the unit file";
            if ("true".equals(System.getenv("CI"))) {
                fail(why);
            }
            org.junit.jupiter.api.Assumptions.abort(why);
        }
        List<String> cmd = new ArrayList<>(List.of(analyze.toString(), "--user", "verify", unitFile.toString()));
        Run verified = run(cmd.toArray(String[]::new));
        assertThat(verified.exit()).as(verified.err()).isZero();
        assertThat(verified.err()).as("systemd-analyze has no complaint").isEmpty();
    }
}

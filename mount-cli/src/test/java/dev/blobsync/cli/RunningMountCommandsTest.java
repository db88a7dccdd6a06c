package dev.blobsync.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code status}, {@code pin}/{@code unpin}/{@code pins}, {@code flush} and {@code unmount} against
 * mounts running in this JVM, with and without {@code --json}, checking exit codes.
 */
class RunningMountCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    @BeforeEach
    void ownRegistry() {
        System.setProperty(MountRegistry.DIR_PROPERTY, tmp.resolve("registry").toString());
    }

    @AfterEach
    void dropRegistry() {
        System.clearProperty(MountRegistry.DIR_PROPERTY);
    }

    private void breakBlobStore() throws IOException {
        Path incoming = tmp.resolve("hub/blobs/.incoming");
        Files.createDirectories(incoming.getParent());
        Files.writeString(incoming, "down");
    }

    private Path photo(String name, long seed) throws IOException {
        byte[] b = new byte[200_000];
        new Random(seed).nextBytes(b);
        return Files.write(tmp.resolve(name), b);
    }

    private static boolean eventually(BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (c.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return c.getAsBoolean();
    }

    private static String xattr(Path p, String name) {
        try {
            Process proc = new ProcessBuilder("getfattr", "--only-values", "-n", "user.blobsync." + name, p.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String v = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return proc.waitFor() == 0 ? v : null;
        } catch (IOException | InterruptedException e) {
            return null;
        }
    }

    private static Path recordNamed(Path table, String title) throws IOException {
        try (Stream<Path> s = Files.list(table)) {
            return s.filter(p -> p.getFileName().toString().endsWith(" " + title)).findFirst().orElse(null);
        }
    }

    @Test
    void statusSaysPendingThenErrorsThenSyncedWithTheRefusedSaveAndItsReason() throws Exception {
        breakBlobStore();
        try (RunningMount m = RunningMount.start(tmp, tmp.resolve("hub"), "a",
                "  retryStrategy: {maxAttempts: 1, initialDelay: 100ms, maxDelay: 200ms}\n")) {
            Files.copy(photo("beach.jpg", 1), m.table().resolve("beach.jpg"));
            Path record = recordNamed(m.table(), "beach");
            assertThat(record).isNotNull();
            assertThatThrownBy(() -> Files.writeString(record.resolve("meta.json"), "{\"familyId\": \"nope\"}"))
                    .isInstanceOf(IOException.class);

            assertThat(eventually(() -> CliRun.of("status", "--config", m.config.toString()).code() == 2))
                    .as("the upload fails once and stays in error").isTrue();
            CliRun text = CliRun.of("status", "--config", m.config.toString());
            assertThat(text.code()).isEqualTo(StatusCommand.ERRORS);
            assertThat(text.out()).contains("mounted at " + m.mnt).contains("data (sqlite) online")
                    .contains("1 upload(s)").contains("1 in error").contains("Last errors:")
                    .contains(record.resolve("meta.json") + ": Field 'familyId'").contains("must be a UUID")
                    .contains("upload of beach.jpg").contains("Some items failed");
            CliRun json = CliRun.of("status", "--config", m.config.toString(), "--json");
            assertThat(json.code()).isEqualTo(StatusCommand.ERRORS);
            JsonNode s = JSON.readTree(json.out());
            assertThat(s.path("source").asText()).isEqualTo("mount");
            assertThat(s.path("queue").path("uploads").asInt()).isEqualTo(1);
            assertThat(s.path("queue").path("errors").asInt()).isEqualTo(1);
            assertThat(s.path("lastErrors").get(0).path("path").asText()).isEqualTo(record.resolve("meta.json").toString());
            assertThat(s.path("lastErrors").get(0).path("reason").asText()).contains("must be a UUID");

            Files.delete(tmp.resolve("hub/blobs/.incoming"));
            CliRun flushed = CliRun.of("flush", "--config", m.config.toString(), "--json", "--timeout", "60s");
            assertThat(flushed.code()).as(flushed.err()).isZero();
            List<String> lines = flushed.out().lines().toList();
            assertThat(JSON.readTree(lines.get(lines.size() - 1)).path("complete").asBoolean()).isTrue();
            assertThat(lines).allSatisfy(l -> assertThat(JSON.readTree(l).has("type")).isTrue());

            CliRun synced = CliRun.of("status", "--config", m.config.toString());
            assertThat(synced.code()).as(synced.out()).isEqualTo(StatusCommand.SYNCED);
            assertThat(synced.out()).contains("Everything is synced.").contains("must be a UUID");

            CliRun down = CliRun.of("unmount", m.mnt.toString(), "--json");
            assertThat(down.code()).as(down.err()).isZero();
            assertThat(JSON.readTree(down.out()).path("unmounted").asBoolean()).isTrue();
            assertThat(m.exit.get(30, TimeUnit.SECONDS)).isZero();

            CliRun fromStore = CliRun.of("status", "--config", m.config.toString(), "--json");
            assertThat(fromStore.code()).isZero();
            assertThat(JSON.readTree(fromStore.out()).path("source").asText()).isEqualTo("store");
            assertThat(fromStore.out()).as("refused saves are kept after the mount stopped").contains("must be a UUID");
        }
    }

    @Test
    void aPinRulePinsThreeMatchesThenAFourthFromAnotherMountAndUnpinRemovesIt() throws Exception {
        Path hub = tmp.resolve("hub");
        try (RunningMount a = RunningMount.start(tmp, hub, "a", ""); RunningMount b = RunningMount.start(tmp, hub, "b", "")) {
            for (String name : List.of("jan", "feb", "mar", "old")) {
                Files.copy(photo(name + ".jpg", name.hashCode()), b.table().resolve(name + ".jpg"));
            }
            Path oldMeta = recordNamed(b.table(), "old").resolve("meta.json");
            Files.writeString(oldMeta, Files.readString(oldMeta).replaceAll("\"takenAt\" *: *\"[^\"]*\"",
                    "\"takenAt\": \"2025-06-01T10:00:00Z\""));
            assertThat(CliRun.of("flush", "--config", b.config.toString()).code()).isZero();
            assertThat(eventually(() -> {
                try (Stream<Path> s = Files.list(a.table())) {
                    return s.filter(p -> p.getFileName().toString().startsWith("2025-06-01 old")
                            || !p.getFileName().toString().endsWith("old")).count() == 4;
                } catch (IOException e) {
                    return false;
                }
            })).as("mount a sees b's photos").isTrue();

            CliRun pin = CliRun.of("pin", "--config", a.config.toString(), "--table", "photos",
                    "--where", "takenAt>=2026-01-01", "--where", "familyId=" + RunningMount.FAMILY);
            assertThat(pin.code()).as(pin.err()).isZero();
            assertThat(pin.out()).contains("Pin rule 1: photos where takenAt >= 2026-01-01 and familyId = "
                    + RunningMount.FAMILY).contains("3 record(s)").contains("All 3 pinned blob(s) are in the cache");
            for (String name : List.of("jan", "feb", "mar")) {
                Path image = recordNamed(a.table(), name).resolve("image.jpg");
                assertThat(xattr(image, "priority")).isEqualTo("high");
                assertThat(xattr(image, "state")).isEqualTo("cached");
            }
            Path old = recordNamed(a.table(), "old").resolve("image.jpg");
            assertThat(xattr(old, "priority")).as("taken in 2025: not selected").isEqualTo("normal");

            Files.copy(photo("apr.jpg", 4), b.table().resolve("apr.jpg"));
            assertThat(eventually(() -> {
                try {
                    Path r = recordNamed(a.table(), "apr");
                    return r != null && "high".equals(xattr(r.resolve("image.jpg"), "priority"))
                            && "cached".equals(xattr(r.resolve("image.jpg"), "state"));
                } catch (IOException e) {
                    return false;
                }
            })).as("the fourth photo, from mount b, is pinned and fetched in full on a").isTrue();

            CliRun pins = CliRun.of("pins", "--config", a.config.toString(), "--json");
            assertThat(pins.code()).isZero();
            JsonNode rule = JSON.readTree(pins.out()).path("rules").get(0);
            assertThat(rule.path("records").asInt()).isEqualTo(4);
            assertThat(rule.path("cachedBytes").asLong()).isEqualTo(rule.path("bytes").asLong()).isEqualTo(800_000L);
            assertThat(CliRun.of("pins", "--config", a.config.toString()).out())
                    .contains("1  photos where takenAt >= 2026-01-01").contains("4 record(s)").contains("100% cached");

            CliRun unpin = CliRun.of("unpin", "--config", a.config.toString(), "--rule", "1");
            assertThat(unpin.code()).as(unpin.err()).isZero();
            assertThat(unpin.out()).contains("Removed pin rule 1");
            assertThat(xattr(recordNamed(a.table(), "apr").resolve("image.jpg"), "priority")).isEqualTo("normal");
            assertThat(CliRun.of("pins", "--config", a.config.toString()).out()).contains("No pin rules.");
            CliRun again = CliRun.of("unpin", "--config", a.config.toString(), "--rule", "1", "--json");
            assertThat(again.code()).isEqualTo(1);
            assertThat(JSON.readTree(again.out()).path("missing").get(0).asLong()).isEqualTo(1);

            CliRun bad = CliRun.of("pin", "--config", a.config.toString(), "--table", "photos", "--where", "takenOn>=2026");
            assertThat(bad.code()).isEqualTo(1);
            assertThat(bad.err()).contains("no field 'takenOn'");
        }
    }

    @Test
    void pinAndUnpinOfPathsGoThroughTheMountThatHoldsThem() throws Exception {
        try (RunningMount a = RunningMount.start(tmp, tmp.resolve("hub"), "a", "")) {
            Files.copy(photo("pier.jpg", 9), a.table().resolve("pier.jpg"));
            Path record = recordNamed(a.table(), "pier");

            CliRun pin = CliRun.of("pin", record.toString(), "--json");
            assertThat(pin.code()).as(pin.err()).isZero();
            List<String> lines = pin.out().lines().toList();
            assertThat(JSON.readTree(lines.get(0)).path("path").asText()).isEqualTo(record.toString());
            assertThat(JSON.readTree(lines.get(lines.size() - 1)).path("type").asText()).isEqualTo("summary");
            assertThat(xattr(record, "priority")).isEqualTo("high");

            CliRun low = CliRun.of("pin", "--priority", "low", record.resolve("image.jpg").toString());
            assertThat(low.code()).as(low.err()).isZero();
            assertThat(xattr(record.resolve("image.jpg"), "priority")).isEqualTo("low");

            CliRun unpin = CliRun.of("unpin", record.toString(), record.resolve("image.jpg").toString());
            assertThat(unpin.code()).as(unpin.err()).isZero();
            assertThat(xattr(record.resolve("image.jpg"), "priority")).isEqualTo("normal");

            CliRun outside = CliRun.of("pin", tmp.resolve("pier.jpg").toString());
            assertThat(outside.code()).isEqualTo(1);
            assertThat(outside.err()).contains("is not inside a running blobsync mount");
            CliRun missing = CliRun.of("pin", a.table().resolve("no such record").toString());
            assertThat(missing.code()).isEqualTo(1);
            assertThat(missing.err()).contains("blobsync: " + a.table().resolve("no such record") + " does not exist.");
        }
    }

    @Test
    void unmountSavesStopsAndSaysWhatIsQueuedAndRefusesWhatIsNotMounted() throws Exception {
        breakBlobStore();
        RunningMount m = RunningMount.start(tmp, tmp.resolve("hub"), "a", "");
        try (m) {
            Files.copy(photo("kept.jpg", 3), m.table().resolve("kept.jpg"));
            CliRun down = CliRun.of("unmount", m.mnt.toString());
            assertThat(down.code()).as(down.err()).isZero();
            assertThat(down.out()).contains("Unmounted " + m.mnt).contains("Still queued: 1 upload(s)")
                    .contains("next mount");
            assertThat(down.err()).contains("saving open files and unmounting").contains("stopped.");
            assertThat(m.exit.get(30, TimeUnit.SECONDS)).isZero();
            assertThat(MountCommand.isMounted(m.mnt)).isFalse();
        }
        CliRun again = CliRun.of("unmount", m.mnt.toString());
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains(m.mnt + " is not mounted.");
        CliRun json = CliRun.of("unmount", m.mnt.toString(), "--json");
        assertThat(json.code()).isEqualTo(1);
        assertThat(JSON.readTree(json.out()).path("unmounted").asBoolean()).isFalse();
    }
}

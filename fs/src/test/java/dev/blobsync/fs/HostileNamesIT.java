package dev.blobsync.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.blobsync.engine.Record;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Names that try to escape, overflow or confuse: refused or rendered safely, never crashing the mount. */
class HostileNamesIT {
    @RegisterExtension
    final MountExtension mount = new MountExtension();

    private List<Path> outside() throws IOException {
        try (Stream<Path> s = Files.walk(mount.root(), 1)) {
            return s.sorted().toList();
        }
    }

    private Path folderOf(Record r) throws IOException {
        Path photos = mount.mnt().resolve("photos");
        for (String name : RecordLifecycleIT.names(photos)) {
            if (Files.readString(photos.resolve(name).resolve("meta.json")).contains(r.id().toString())) {
                return photos.resolve(name);
            }
        }
        throw new AssertionError("no folder for " + r.id());
    }

    @Test
    void titlesWithSlashesAndDotsStayOneSafeFolderName() throws IOException {
        List<Path> before = outside();
        var photos = mount.engine().table("photos");
        Record slash = photos.insertDraft(Map.of("title", "../../etc/passwd"));
        Record dots = photos.insertDraft(Map.of("title", ".."));
        Record dot = photos.insertDraft(Map.of("title", "."));

        for (Record r : List.of(slash, dots, dot)) {
            assertThat(Sh.eventually(java.time.Duration.ofSeconds(5), () -> {
                try {
                    folderOf(r);
                    return true;
                } catch (IOException | AssertionError e) {
                    return false;
                }
            })).isTrue();
            Path folder = folderOf(r);
            assertThat(folder.getFileName().toString()).doesNotContain("/").isNotIn(".", "..");
            assertThat(folder.getParent()).isEqualTo(mount.mnt().resolve("photos"));
            Files.writeString(folder.resolve("notes.txt"), "scratch");
        }
        assertThat(outside()).isEqualTo(before);
        assertThat(Files.list(mount.engine().scratchDirectory().resolve("photos")).count()).isGreaterThanOrEqualTo(3);
        assertThat(Files.isDirectory(mount.mnt().resolve("photos"))).isTrue();
    }

    @Test
    void longNamesFailWithNameTooLongAnd255BytesWork() throws IOException {
        Path photos = mount.mnt().resolve("photos");
        String exact = "é".repeat(127) + "x";
        assertThat(exact.getBytes(StandardCharsets.UTF_8)).hasSize(255);
        Files.createDirectory(photos.resolve(exact));
        assertThat(RecordLifecycleIT.names(photos)).contains(exact);
        Files.writeString(photos.resolve(exact).resolve("x".repeat(255)), "ok");

        String tooLong = "é".repeat(128);
        assertThatThrownBy(() -> Files.createDirectory(photos.resolve(tooLong)))
                .isInstanceOf(FileSystemException.class).hasMessageContaining("File name too long");
        assertThatThrownBy(() -> Files.writeString(photos.resolve(exact).resolve("y".repeat(256)), "no"))
                .isInstanceOf(FileSystemException.class).hasMessageContaining("File name too long");
        assertThat(Files.isDirectory(photos)).isTrue();
    }

    @Test
    void unicodeNamesRoundTrip() throws IOException {
        Path photos = mount.mnt().resolve("photos");
        String name = "Ünïcödé 日本語 🎉 \u200b tab\tand\nnewline";
        Files.createDirectory(photos.resolve(name));
        assertThat(RecordLifecycleIT.names(photos)).contains(name);
        Files.writeString(photos.resolve(name).resolve("😀.txt"), "smile");
        assertThat(Files.readString(photos.resolve(name).resolve("😀.txt"))).isEqualTo("smile");
        assertThat(mount.engine().table("photos").list()).singleElement()
                .satisfies(r -> assertThat(r.get("title")).isEqualTo(name));
    }

    @Test
    void namesOutsideTheSchemaAreRefused() throws IOException {
        assertThatThrownBy(() -> Files.createDirectory(mount.mnt().resolve("videos")))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> Files.writeString(mount.mnt().resolve("loose.txt"), "x"))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> Files.writeString(mount.mnt().resolve(".blobsync/status.json"), "x"))
                .isInstanceOf(IOException.class);
        assertThat(RecordLifecycleIT.names(mount.mnt())).containsExactly(".blobsync", "notes", "photos", "scans");
    }
}

package dev.blobsync.fs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.blobsync.engine.Record;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * meta.json written through more than one descriptor of one open file. A shell's {@code >}
 * opens the file, duplicates the descriptor onto stdout and closes the original before the
 * program writes, so the mount sees a close (flush) of a truncated, still empty document first.
 * That close must not count as the edit, and a close that fails half-way must not mix the old
 * document into what the program writes next.
 */
class MetaJsonShellEditIT {
    @RegisterExtension
    final MountExtension mount = new MountExtension();

    private Path photos;
    private Record record;
    private String familyId;

    @BeforeEach
    void aCompleteRecord() throws IOException {
        photos = mount.mnt().resolve("photos");
        Files.write(photos.resolve("x.jpg"), new byte[] {1, 2, 3});
        record = mount.engine().table("photos").list().get(0);
        familyId = UUID.randomUUID().toString();
        Path folder = photos.resolve(RecordLifecycleIT.names(photos).get(0));
        Files.writeString(folder.resolve("meta.json"), document("Beach"));
    }

    private String document(String title) {
        return "{\"id\": \"" + record.id() + "\", \"title\": \"" + title + "\", \"takenAt\": \"2026-07-04T10:00:00Z\","
                + " \"familyId\": \"" + familyId + "\"}";
    }

    private String title() {
        return mount.engine().table("photos").get(record.id()).orElseThrow().fields().get("title").toString();
    }

    @Test
    void shellRedirectReplacesMetaJson() throws IOException {
        Path meta = photos.resolve("2026-07-04 Beach").resolve("meta.json");
        Sh.Result sh = Sh.run(mount.root(), "bash", "-c", "echo \"$1\" > \"$2\"", "bash", document("Dunes"), meta.toString());
        assertThat(sh.exit()).as(sh.err()).isZero();

        assertThat(title()).isEqualTo("Dunes");
        assertThat(Files.readString(photos.resolve("2026-07-04 Dunes").resolve("meta.json"))).contains("\"Dunes\"");
        Sh.Result attr = Sh.run(mount.root(), "getfattr", "--only-values", "-n", "user.blobsync.error",
                photos.resolve("2026-07-04 Dunes").resolve("meta.json").toString());
        assertThat(attr.out()).as("no error was noted for a good save").isEmpty();
    }

    @Test
    void shorterDocumentThroughARedirectLeavesNothingOfTheOldOneBehind() throws IOException {
        Path meta = photos.resolve("2026-07-04 Beach").resolve("meta.json");
        String shorter = "{\"id\":\"" + record.id() + "\",\"title\":\"B\",\"takenAt\":\"2026-07-04T10:00:00Z\","
                + "\"familyId\":\"" + familyId + "\"}";
        Sh.Result sh = Sh.run(mount.root(), "bash", "-c", "printf '%s' \"$1\" > \"$2\"", "bash", shorter, meta.toString());
        assertThat(sh.exit()).as(sh.err()).isZero();
        assertThat(title()).isEqualTo("B");
    }

    /** A close of one descriptor in the middle of a write fails, and the finished document still applies. */
    @Test
    void aHalfWrittenDocumentClosedThroughADuplicateIsRefusedAndTheFinishedOneApplies() throws IOException {
        Path meta = photos.resolve("2026-07-04 Beach").resolve("meta.json");
        String doc = document("Cliffs");
        int half = doc.length() / 2;
        Sh.Result py = Sh.run(mount.root(), "python3", "-c", String.join("\n",
                "import os, sys",
                "path, doc, half = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3])",
                "fd = os.open(path, os.O_WRONLY | os.O_TRUNC)",
                "os.write(fd, doc[:half])",
                "dup = os.dup(fd)",
                "try:",
                "    os.close(dup)",
                "    print('first close: ok')",
                "except OSError as e:",
                "    print('first close:', e.errno)",
                "os.write(fd, doc[half:])",
                "os.close(fd)",
                "print('second close: ok')"),
                meta.toString(), doc, Integer.toString(half));
        assertThat(py.exit()).as(py.err()).isZero();
        assertThat(py.out()).contains("first close: 22").contains("second close: ok");
        assertThat(title()).isEqualTo("Cliffs");
    }

    @Test
    void aRedirectOfABadDocumentChangesNothingAndSaysWhy() throws IOException {
        Path meta = photos.resolve("2026-07-04 Beach").resolve("meta.json");
        String before = Files.readString(meta);
        Sh.run(mount.root(), "bash", "-c", "echo '{\"title\": ' > \"$1\"", "bash", meta.toString());
        assertThat(title()).isEqualTo("Beach");
        assertThat(Files.readString(meta)).isEqualTo(before);
        Sh.Result attr = Sh.run(mount.root(), "getfattr", "--only-values", "-n", "user.blobsync.error", meta.toString());
        assertThat(attr.out()).contains("not valid JSON").doesNotContain("one JSON object");
    }
}

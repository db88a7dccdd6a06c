package dev.blobsync.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.blobsync.engine.Record;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A bad meta.json fails close() with EINVAL, changes nothing, and says why in user.blobsync.error. */
class MetaJsonValidationIT {
    @RegisterExtension
    final MountExtension mount = new MountExtension();

    private Path meta;
    private String before;
    private Record record;

    @BeforeEach
    void aCompleteRecord() throws IOException {
        Path photos = mount.mnt().resolve("photos");
        Files.write(photos.resolve("x.jpg"), new byte[] {1, 2, 3});
        record = mount.engine().table("photos").list().get(0);
        Path folder = photos.resolve(RecordLifecycleIT.names(photos).get(0));
        String complete = "{\"id\": \"" + record.id() + "\", \"title\": \"Beach\", \"takenAt\": \"2026-07-04T10:00:00Z\","
                + " \"familyId\": \"" + UUID.randomUUID() + "\"}";
        Files.writeString(folder.resolve("meta.json"), complete);
        meta = photos.resolve("2026-07-04 Beach").resolve("meta.json");
        before = Files.readString(meta);
    }

    private void rejects(String content, String reasonPart) throws IOException {
        assertThatThrownBy(() -> Files.writeString(meta, content))
                .isInstanceOf(IOException.class).hasMessageContaining("Invalid argument");
        assertThat(Files.readString(meta)).isEqualTo(before);
        if (Sh.available("getfattr")) {
            for (Path p : new Path[] {meta, meta.getParent()}) {
                Sh.Result attr = Sh.run(mount.root(), "getfattr", "--only-values", "-n", "user.blobsync.error", p.toString());
                assertThat(attr.exit()).as(attr.err()).isZero();
                assertThat(attr.out()).contains(reasonPart);
            }
        }
    }

    @Test
    void badJson() throws IOException {
        rejects("{\"title\": ", "not valid JSON");
    }

    /** Issue 9, defect 6d: where the syntax error is, in words, without the parser's internals. */
    @Test
    void syntaxErrorsSayLineAndColumnWithoutParserInternals() throws IOException {
        Sh.require("getfattr");
        for (String bad : new String[] {"{\"title\": ", "{\n  \"title\": \"x\"\n  \"body\": 1\n}", "{} {}",
                "[1, 2", "{\"title\": tru}"}) {
            assertThatThrownBy(() -> Files.writeString(meta, bad)).isInstanceOf(IOException.class);
            Sh.Result attr = Sh.run(mount.root(), "getfattr", "--only-values", "-n", "user.blobsync.error", meta.toString());
            assertThat(attr.out()).as("for %s", bad).containsPattern("line \\d+, column \\d+")
                    .doesNotContain("Source", "REDACTED", "StreamReadFeature", "DeserializationFeature", "`",
                            "com.fasterxml", "VALUE_STRING");
        }
        assertThat(Files.readString(meta)).isEqualTo(before);
    }

    @Test
    void wrongType() throws IOException {
        rejects(before.replace("\"2026-07-04T10:00:00Z\"", "42"), "takenAt");
    }

    @Test
    void unknownField() throws IOException {
        rejects(before.replace("\"title\"", "\"colour\": \"red\", \"title\""), "colour");
    }

    @Test
    void changedId() throws IOException {
        rejects(before.replace(record.id().toString(), UUID.randomUUID().toString()), "the id cannot change");
    }

    @Test
    void removingARequiredFieldOfACompleteRecord() throws IOException {
        rejects(before.replaceAll(",\\s*\"familyId\": \"[^\"]+\"", ""), "familyId");
    }

    @Test
    void pythonSeesEinvalToo() throws IOException {
        Sh.Result py = Sh.run(mount.root(), "python3", "-c",
                "import sys\nwith open(sys.argv[1], 'w') as f: f.write('[1, 2]')", meta.toString());
        assertThat(py.exit()).isNotZero();
        assertThat(py.err()).contains("Invalid argument");
        assertThat(Files.readString(meta)).isEqualTo(before);
    }
}

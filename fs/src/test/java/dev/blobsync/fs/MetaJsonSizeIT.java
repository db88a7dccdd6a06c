package dev.blobsync.fs;

import static dev.blobsync.fs.RecordLifecycleIT.names;
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
 * Issue 9, defect 4: meta.json is capped at 1 MiB. A write or truncate past it fails with EFBIG
 * ("File too large") at once, before any buffer grows, and the record stays as it was.
 */
class MetaJsonSizeIT {
    private static final int MIB = 1 << 20;

    @RegisterExtension
    final MountExtension mount = new MountExtension();

    private Path meta;
    private String before;

    @BeforeEach
    void aNote() throws IOException {
        Path notes = mount.mnt().resolve("notes");
        Files.createDirectory(notes.resolve("Big"));
        meta = notes.resolve("Big/meta.json");
        before = Files.readString(meta);
    }

    private Sh.Result python(String code) throws IOException {
        return Sh.run(mount.root(), "python3", "-c", code, meta.toString());
    }

    /**
     * The four 2 GiB ftruncates, and four more to 2,000,000,000 bytes (just under what a
     * Java array can hold, where a growing buffer would really be allocated).
     */
    @Test
    void hugeFtruncatesFailWithEfbigAndChangeNothing() throws IOException {
        Sh.Result py = python(String.join("\n",
                "import os, sys, errno",
                "for size in [2 << 30] * 4 + [2_000_000_000] * 4:",
                "    fd = os.open(sys.argv[1], os.O_WRONLY)",
                "    try:",
                "        os.ftruncate(fd, size)",
                "        print('ftruncate', size, 'succeeded')",
                "    except OSError as e:",
                "        print('ftruncate', size, errno.errorcode[e.errno])",
                "    finally:",
                "        try:",
                "            os.close(fd)",
                "        except OSError as e:",
                "            print('close', errno.errorcode[e.errno])"));
        System.out.println("meta.json ftruncates:\n" + py.out());
        assertThat(py.exit()).as(py.err()).isZero();
        assertThat(py.out().lines()).hasSize(8).allMatch(l -> l.endsWith(" EFBIG"));
        assertThat(Files.readString(meta)).isEqualTo(before);
        assertThat(names(mount.mnt().resolve("notes"))).containsExactly("Big");
    }

    @Test
    void truncateCommandAndAnOversizedWriteSayFileTooLarge() throws IOException {
        Sh.Result truncate = Sh.run(mount.root(), "truncate", "-s", "2G", meta.toString());
        assertThat(truncate.exit()).isNotZero();
        assertThat(truncate.err()).contains("File too large");
        assertThat(Files.readString(meta)).isEqualTo(before);

        Sh.Result py = python(String.join("\n",
                "import sys",
                "with open(sys.argv[1], 'w') as f:",
                "    f.write('{\"title\": \"Big\", \"body\": \"' + 'x' * (1 << 20) + '\"}')"));
        assertThat(py.exit()).isNotZero();
        assertThat(py.err()).contains("File too large");
        assertThat(Files.readString(meta)).isEqualTo(before);
        Sh.Result why = Sh.run(mount.root(), "getfattr", "--only-values", "-n", "user.blobsync.error", meta.toString());
        assertThat(why.out()).contains("1 MiB");
    }

    @Test
    void aMetaJsonJustUnderTheCapIsAccepted() throws IOException {
        Record draft = mount.engine().table("notes").list().get(0);
        String head = "{\"id\": \"" + draft.id() + "\", \"title\": \"Big\", \"body\": \"";
        String tail = "\"}";
        String body = "y".repeat(MIB - head.length() - tail.length());
        Files.writeString(meta, head + body + tail);
        assertThat(mount.engine().table("notes").get(draft.id()).orElseThrow().get("body")).isEqualTo(body);
        assertThat(UUID.fromString(Files.readString(meta).substring(11, 47))).isEqualTo(draft.id());
    }
}

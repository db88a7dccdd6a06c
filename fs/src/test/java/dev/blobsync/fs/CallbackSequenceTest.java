package dev.blobsync.fs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.Record;
import dev.blobsync.engine.SyncEngine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;

/**
 * The callbacks called directly, in the exact orders the kernel sends them for editors' saves,
 * shell redirects and xattr probes. No mount: fast, and precise about return values.
 */
class CallbackSequenceTest {
    private static final jnr.ffi.Runtime RT = jnr.ffi.Runtime.getSystemRuntime();
    private static final int O_WRONLY = 1;
    private static final int O_CREAT = 0100;
    private static final int O_EXCL = 0200;

    @TempDir
    Path root;
    private SyncEngine engine;
    private BlobsyncFs fs;
    private Record beach;

    @BeforeEach
    void start() throws Exception {
        FuseRequirement.require();
        engine = new TestHub(root).openEngine("a");
        BlobRef image = engine.putBlob(new ByteArrayInputStream(new byte[] {1, 2, 3}), "image/jpeg", "b.jpg");
        BlobRef audio = engine.putBlob(new ByteArrayInputStream(new byte[] {4, 5}), "audio/mp4", "b.m4a");
        beach = engine.table("photos").insert(Map.of("title", "Beach", "takenAt", Instant.parse("2026-07-04T10:00:00Z"),
                "familyId", UUID.randomUUID(), "image", image, "audio", audio));
        fs = new BlobsyncFs(engine, FsOptions.defaults());
        fs.startServing();
    }

    @AfterEach
    void stop() {
        if (fs != null) {
            fs.stopServing();
        }
        if (engine != null) {
            engine.close();
        }
    }

    private static FuseFileInfo fi(int flags) {
        FuseFileInfo fi = FuseFileInfo.of(Memory.allocateDirect(RT, 64));
        fi.flags.set(flags);
        return fi;
    }

    private int write(String path, FuseFileInfo fi, byte[] data, long offset) {
        Pointer p = Memory.allocateDirect(RT, data.length);
        p.put(0, data, 0, data.length);
        return fs.write(path, p, data.length, offset, fi);
    }

    private long size(String path) {
        FileStat st = FileStat.of(Memory.allocateDirect(RT, 256));
        assertThat(fs.getattr(path, st)).as("getattr " + path).isZero();
        return st.st_size.longValue();
    }

    private byte[] read(String path) {
        FuseFileInfo fi = fi(0);
        assertThat(fs.open(path, fi)).isZero();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Pointer buf = Memory.allocateDirect(RT, 4096);
        long off = 0;
        int n;
        while ((n = fs.read(path, buf, 4096, off, fi)) > 0) {
            byte[] chunk = new byte[n];
            buf.get(0, chunk, 0, n);
            out.write(chunk, 0, n);
            off += n;
        }
        assertThat(fs.release(path, fi)).isZero();
        return out.toByteArray();
    }

    private List<String> ls(String path) {
        List<String> names = new ArrayList<>();
        FuseFillDir filler = (buf, name, stat, off) -> {
            byte[] b = new byte[name.remaining()];
            name.get(b);
            names.add(new String(b, StandardCharsets.UTF_8).replace("\0", ""));
            return 0;
        };
        assertThat(fs.readdir(path, null, filler, 0, fi(0))).isZero();
        names.removeAll(List.of(".", ".."));
        return names;
    }

    private Record now() {
        return engine.table("photos").get(beach.id()).orElseThrow();
    }

    @Test
    void vimWritebackupSave() {
        String doc = "/photos/2026-07-04 Beach/image.jpg";
        assertThat(fs.rename(doc, doc + "~")).isZero();
        FuseFileInfo fi = fi(O_WRONLY | O_CREAT);
        assertThat(fs.create(doc, 0100644, fi)).isZero();
        assertThat(fs.ftruncate(doc, 0, fi)).isZero();
        assertThat(write(doc, fi, new byte[] {7, 7, 7, 7}, 0)).isEqualTo(4);
        assertThat(fs.fsync(doc, 0, fi)).isZero();
        assertThat(fs.chmod(doc, 0100644)).isZero();
        assertThat(fs.flush(doc, fi)).isZero();
        assertThat(fs.release(doc, fi)).isZero();
        assertThat(read(doc + "~")).containsExactly(1, 2, 3);
        assertThat(fs.unlink(doc + "~")).isZero();

        assertThat(read(doc)).containsExactly(7, 7, 7, 7);
        assertThat(now().blob("image").size()).isEqualTo(4);
        assertThat(ls("/photos/2026-07-04 Beach")).containsExactlyInAnyOrder("meta.json", "image.jpg", "audio.m4a");
    }

    @Test
    void pythonAtomicWriteOfMetaJson() {
        String dir = "/photos/2026-07-04 Beach";
        String edited = new String(read(dir + "/meta.json"), StandardCharsets.UTF_8).replace("\"Beach\"", "\"Dunes\"");
        FuseFileInfo fi = fi(O_WRONLY | O_CREAT | O_EXCL);
        assertThat(fs.create(dir + "/tmpab12cd", 0100644, fi)).isZero();
        byte[] bytes = edited.getBytes(StandardCharsets.UTF_8);
        assertThat(write(dir + "/tmpab12cd", fi, bytes, 0)).isEqualTo(bytes.length);
        assertThat(fs.fsync(dir + "/tmpab12cd", 0, fi)).isZero();
        assertThat(fs.flush(dir + "/tmpab12cd", fi)).isZero();
        assertThat(fs.release(dir + "/tmpab12cd", fi)).isZero();
        assertThat(fs.rename(dir + "/tmpab12cd", dir + "/meta.json")).isZero();

        assertThat(now().get("title")).isEqualTo("Dunes");
        assertThat(ls("/photos")).containsExactly("2026-07-04 Dunes");
        assertThat(ls("/photos/2026-07-04 Dunes")).doesNotContain("tmpab12cd");
    }

    @Test
    void shellRedirectTruncatesWithoutHandleAndFlushesTwice() {
        String path = "/photos/2026-07-04 Beach/meta.json";
        String content = new String(read(path), StandardCharsets.UTF_8).replace("\"Beach\"", "\"Bay\"");
        FuseFileInfo fi = fi(O_WRONLY);
        assertThat(fs.open(path, fi)).isZero();
        assertThat(fs.truncate(path, 0)).isZero();
        assertThat(size(path)).isZero();
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        assertThat(write(path, fi, bytes, 0)).isEqualTo(bytes.length);
        assertThat(fs.flush(path, fi)).isZero();
        assertThat(now().get("title")).isEqualTo("Bay");
        // bash's dup'd descriptor closes again: nothing left to save, still success
        assertThat(fs.flush(path, fi)).isZero();
        assertThat(fs.release(path, fi)).isZero();
        // The new title renamed the folder: the record's files are under the new name only.
        assertThat(new String(read("/photos/2026-07-04 Bay/meta.json"), StandardCharsets.UTF_8)).contains("\"Bay\"");
        FileStat st = FileStat.of(Memory.allocateDirect(RT, 256));
        assertThat(fs.getattr(path, st)).isEqualTo(-2);
    }

    @Test
    void aTypeTheFieldRefusesIsEinvalWithAReason() {
        FuseFileInfo fi = fi(O_WRONLY | O_CREAT);
        assertThat(fs.create("/photos/2026-07-04 Beach/image.pdf", 0100644, fi)).isEqualTo(-22);
        Pointer value = Memory.allocateDirect(RT, 512);
        int n = fs.getxattr("/photos/2026-07-04 Beach/image.pdf", "user.blobsync.error", value, 512);
        assertThat(n).isPositive();
        byte[] b = new byte[n];
        value.get(0, b, 0, n);
        assertThat(new String(b, StandardCharsets.UTF_8)).contains("image", "application/pdf");
    }

    @Test
    void xattrSizeProtocolAndNamespaces() {
        String image = "/photos/2026-07-04 Beach/image.jpg";
        Pointer value = Memory.allocateDirect(RT, 128);
        assertThat(fs.getxattr(image, "user.blobsync.hash", value, 0)).isEqualTo(64);
        assertThat(fs.getxattr(image, "user.blobsync.hash", value, 10)).isEqualTo(-34);
        assertThat(fs.getxattr(image, "user.blobsync.hash", value, 128)).isEqualTo(64);
        assertThat(fs.getxattr(image, "user.blobsync.nope", value, 128)).isEqualTo(-61);
        assertThat(fs.getxattr(image, "security.capability", value, 0)).isEqualTo(-61);
        assertThat(fs.getxattr(image, "system.posix_acl_access", value, 0)).isEqualTo(-95);
        assertThat(fs.setxattr(image, "system.posix_acl_access", value, 4, 0)).isEqualTo(-95);
        int listLength = fs.listxattr(image, value, 0);
        assertThat(listLength).isPositive();
        assertThat(fs.listxattr(image, value, 1)).isEqualTo(-34);
        byte[] names = new byte[listLength];
        assertThat(fs.listxattr(image, value, 128)).isEqualTo(listLength);
        value.get(0, names, 0, listLength);
        assertThat(new String(names, StandardCharsets.UTF_8).split("\0"))
                .contains("user.blobsync.state", "user.blobsync.hash", "user.blobsync.id", "user.blobsync.priority",
                        "user.blobsync.url");
        Pointer urlValue = Memory.allocateDirect(RT, 4096);
        int urlLength = fs.getxattr(image, "user.blobsync.url", urlValue, 4096);
        assertThat(urlLength).isPositive();
        byte[] url = new byte[urlLength];
        urlValue.get(0, url, 0, urlLength);
        assertThat(new String(url, StandardCharsets.UTF_8)).as("cached here: a file: URL").startsWith("file:/");
    }

    @Test
    void errnosForBadNamesHandlesAndReadOnlyFiles() {
        FileStat st = FileStat.of(Memory.allocateDirect(RT, 256));
        assertThat(fs.getattr("/photos/" + "x".repeat(256), st)).isEqualTo(-36);
        assertThat(fs.getattr("/photos/nothing", st)).isEqualTo(-2);
        FuseFileInfo bogus = fi(0);
        bogus.fh.set(987654);
        assertThat(fs.read("/photos/2026-07-04 Beach/image.jpg", Memory.allocateDirect(RT, 16), 16, 0, bogus)).isEqualTo(-9);
        assertThat(fs.open("/.blobsync/status.json", fi(O_WRONLY))).isEqualTo(-13);
        assertThat(fs.rename("/photos/2026-07-04 Beach", "/notes/Beach")).isEqualTo(-18);
    }

    @Test
    void unlinkingAnOptionalBlobRemovesItAndARequiredOneOnlyHidesIt() {
        String dir = "/photos/2026-07-04 Beach";
        assertThat(fs.unlink(dir + "/audio.m4a")).isZero();
        assertThat(now().fields()).doesNotContainKey("audio");
        assertThat(fs.unlink(dir + "/image.jpg")).isZero();
        assertThat(now().blob("image")).isNotNull();
        assertThat(fs.unlink(dir + "/meta.json")).isZero();
        assertThat(ls(dir)).isEmpty();
        assertThat(fs.rmdir(dir)).isZero();
        assertThat(engine.table("photos").get(beach.id())).isEmpty();
    }

    @Test
    void renamingARecordFolderSetsItsNameField() {
        FuseFileInfo fi = fi(0);
        assertThat(fs.mkdir("/notes/Groceries", 040755)).isZero();
        assertThat(fs.rename("/notes/Groceries", "/notes/Shopping")).isZero();
        assertThat(engine.table("notes").list()).singleElement()
                .satisfies(r -> assertThat(r.get("title")).isEqualTo("Shopping"));
        assertThat(fs.rename("/photos/2026-07-04 Beach", "/photos/2026-07-04 Sea")).isZero();
        assertThat(now().get("title")).isEqualTo("Sea");
        assertThat(ls("/photos")).containsExactly("2026-07-04 Sea");
        assertThat(fi.fh.get()).isZero();
    }

    @Test
    void mkdirWithoutAStringInTheTemplateKeepsTheTypedNameWhileMounted() {
        assertThat(fs.mkdir("/scans/Invoices 2026", 040755)).isZero();
        assertThat(ls("/scans")).containsExactly("Invoices 2026");
        assertThat(ls("/scans/Invoices 2026")).containsExactly("meta.json");
        Record draft = engine.table("scans").list().get(0);
        assertThat(new String(read("/scans/Invoices 2026/meta.json"), StandardCharsets.UTF_8))
                .isEqualTo("{\n  \"id\": \"" + draft.id() + "\"\n}\n");
        assertThat(fs.rename("/scans/Invoices 2026", "/scans/Other")).isEqualTo(-22);
    }

    @Test
    void aBareFileThatCompletesARecordIsInsertedNotDrafted() {
        FuseFileInfo fi = fi(O_WRONLY | O_CREAT);
        assertThat(fs.create("/notes/Minutes.pdf", 0100644, fi)).isZero();
        assertThat(write("/notes/Minutes.pdf", fi, "%PDF-1.4".getBytes(StandardCharsets.US_ASCII), 0)).isEqualTo(8);
        assertThat(ls("/notes")).containsExactly("Minutes.pdf");
        assertThat(fs.flush("/notes/Minutes.pdf", fi)).isZero();
        assertThat(fs.release("/notes/Minutes.pdf", fi)).isZero();
        assertThat(engine.table("notes").list()).singleElement().satisfies(r -> {
            assertThat(r.get("title")).isEqualTo("Minutes");
            assertThat(r.state()).isNotEqualTo(dev.blobsync.engine.RecordState.DRAFT);
            assertThat(r.blob("attachment").type()).isEqualTo("application/pdf");
        });
        assertThat(ls("/notes")).containsExactly("Minutes");
        assertThat(ls("/notes/Minutes")).containsExactlyInAnyOrder("meta.json", "attachment.pdf");
        assertThat(size("/notes/Minutes.pdf")).isEqualTo(8);
    }

    @Test
    void hiddenAndTemporaryNamesInATableStayScratchUntilRenamed() {
        FuseFileInfo fi = fi(O_WRONLY | O_CREAT | O_EXCL);
        assertThat(fs.create("/notes/.Agenda.pdf.Xy12Zq", 0100600, fi)).isZero();
        assertThat(write("/notes/.Agenda.pdf.Xy12Zq", fi, "%PDF".getBytes(StandardCharsets.US_ASCII), 0)).isEqualTo(4);
        assertThat(fs.flush("/notes/.Agenda.pdf.Xy12Zq", fi)).isZero();
        assertThat(fs.release("/notes/.Agenda.pdf.Xy12Zq", fi)).isZero();
        assertThat(engine.table("notes").list()).isEmpty();
        assertThat(fs.rename("/notes/.Agenda.pdf.Xy12Zq", "/notes/Agenda.pdf")).isZero();
        assertThat(engine.table("notes").list()).singleElement()
                .satisfies(r -> assertThat(r.get("title")).isEqualTo("Agenda"));
        assertThat(ls("/notes")).containsExactly("Agenda");
        assertThat(fs.utimens("/notes/Agenda.pdf", new ru.serce.jnrfuse.struct.Timespec[] {
                ru.serce.jnrfuse.struct.Timespec.of(Memory.allocateDirect(RT, 16)),
                ru.serce.jnrfuse.struct.Timespec.of(Memory.allocateDirect(RT, 16))})).isZero();
    }

    @Test
    void aCollidingNameGetsTheIdSuffixAndNamesStayPut() {
        Record twin = engine.table("photos").insertDraft(Map.of("title", "Beach",
                "takenAt", Instant.parse("2026-07-04T18:00:00Z")));
        String suffixed = "2026-07-04 Beach [" + twin.id().toString().substring(0, 8) + "]";
        assertThat(Sh.eventually(java.time.Duration.ofSeconds(5), () -> ls("/photos").size() == 2)).isTrue();
        assertThat(ls("/photos")).containsExactlyInAnyOrder("2026-07-04 Beach", suffixed);
        assertThat(ls("/photos")).containsExactlyInAnyOrder("2026-07-04 Beach", suffixed);
        assertThat(new String(read("/photos/" + suffixed + "/meta.json"), StandardCharsets.UTF_8))
                .contains(twin.id().toString());

        engine.table("photos").delete(beach.id());
        assertThat(Sh.eventually(java.time.Duration.ofSeconds(5), () -> ls("/photos").size() == 1)).isTrue();
        assertThat(ls("/photos")).containsExactly(suffixed);
    }
}

package dev.blobsync.fs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.blobsync.engine.Record;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The ways editors and copy tools save, each leaving the record updated and no stray files. */
class EditorSaveIT {
    @RegisterExtension
    final MountExtension mount = new MountExtension();

    private Path photos;
    private Path folder;
    private Record before;

    @BeforeEach
    void aRecordWithAnImage() throws IOException {
        photos = mount.mnt().resolve("photos");
        Files.write(photos.resolve("beach.jpg"), RecordLifecycleIT.randomBytes(50_000, 7));
        folder = photos.resolve(RecordLifecycleIT.names(photos).get(0));
        before = mount.engine().table("photos").list().get(0);
    }

    private Record now() {
        return mount.engine().table("photos").get(before.id()).orElseThrow();
    }

    @Test
    void tempFileRenamedOverTheImageReplacesIt() throws IOException {
        byte[] edited = RecordLifecycleIT.randomBytes(60_000, 8);
        Path tmp = folder.resolve("image.jpg.tmp");
        Files.write(tmp, edited);
        Files.move(tmp, folder.resolve("image.jpg"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

        assertThat(now().blob("image").sha256()).isNotEqualTo(before.blob("image").sha256());
        assertThat(now().fields().values()).doesNotContain(before.blob("image"));
        assertThat(Files.readAllBytes(folder.resolve("image.jpg"))).isEqualTo(edited);
        assertThat(RecordLifecycleIT.names(folder)).containsExactly("image.jpg", "meta.json");
    }

    @Test
    void vimStyleBackupRenameCreateWriteUnlink() throws IOException {
        byte[] edited = RecordLifecycleIT.randomBytes(40_000, 9);
        Path doc = folder.resolve("image.jpg");
        Path backup = folder.resolve("image.jpg~");
        Files.move(doc, backup);
        try (FileChannel ch = FileChannel.open(doc, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(edited));
            ch.force(true);
        }
        Files.setPosixFilePermissions(doc, PosixFilePermissions.fromString("rw-r--r--"));
        Files.delete(backup);

        assertThat(Files.readAllBytes(doc)).isEqualTo(edited);
        assertThat(now().blob("image").size()).isEqualTo(edited.length);
        assertThat(RecordLifecycleIT.names(folder)).containsExactly("image.jpg", "meta.json");
    }

    @Test
    void realVimEditsMetaJsonWithBackupAndSwapFiles() throws IOException {
        Sh.require("vim");
        Path meta = folder.resolve("meta.json");
        Sh.Result vim = Sh.run(folder, "vim", "-u", "NONE", "-i", "NONE", "-N", "-es",
                "-c", "set writebackup nobackup backupcopy=no", "-c", "%s/\"beach\"/\"sunset\"/", "-c", "wq", meta.toString());
        assertThat(vim.exit()).as(vim.out() + vim.err()).isZero();

        assertThat(now().get("title")).isEqualTo("sunset");
        Path renamed = photos.resolve("sunset");
        assertThat(RecordLifecycleIT.names(photos)).containsExactly("sunset");
        assertThat(RecordLifecycleIT.names(renamed)).containsExactly("image.jpg", "meta.json");
    }

    @Test
    void pythonStyleAtomicWriteOfMetaJson() throws IOException {
        Path meta = folder.resolve("meta.json");
        String edited = Files.readString(meta).replace("\"beach\"", "\"dunes\"");
        Sh.Result py = Sh.run(folder, "python3", "-c", String.join("\n",
                "import os, sys",
                "fd = os.open('meta.json.tmp', os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)",
                "os.write(fd, sys.argv[1].encode()); os.fsync(fd); os.close(fd)",
                "os.replace('meta.json.tmp', 'meta.json')"), edited);
        assertThat(py.exit()).as(py.err()).isZero();
        assertThat(now().get("title")).isEqualTo("dunes");
        assertThat(RecordLifecycleIT.names(photos.resolve("dunes"))).containsExactly("image.jpg", "meta.json");
    }

    @Test
    void rsyncIntoATableFolderImportsAndIntoARecordReplaces() throws IOException {
        Sh.require("rsync");
        Path src = mount.root().resolve("harbour.jpg");
        byte[] bytes = RecordLifecycleIT.randomBytes(70_000, 10);
        Files.write(src, bytes);
        Sh.Result rsync = Sh.run(mount.root(), "rsync", "-t", src.toString(), photos + "/");
        assertThat(rsync.exit()).as(rsync.err()).isZero();
        List<Record> all = mount.engine().table("photos").list();
        assertThat(all).hasSize(2).anySatisfy(r -> assertThat(r.get("title")).isEqualTo("harbour"));
        assertThat(RecordLifecycleIT.names(photos)).hasSize(2).doesNotContain("harbour.jpg")
                .noneMatch(n -> n.startsWith("."));

        Sh.Result replace = Sh.run(mount.root(), "rsync", src.toString(), folder.resolve("image.jpg").toString());
        assertThat(replace.exit()).as(replace.err()).isZero();
        assertThat(Files.readAllBytes(folder.resolve("image.jpg"))).isEqualTo(bytes);
        assertThat(RecordLifecycleIT.names(folder)).containsExactly("image.jpg", "meta.json");
    }

    @Test
    void swapAndLockFilesStayLocalScratchFiles() throws IOException {
        Files.writeString(folder.resolve(".image.jpg.swp"), "swap");
        Files.writeString(folder.resolve("notes.txt"), "mine");
        assertThat(RecordLifecycleIT.names(folder)).contains(".image.jpg.swp", "notes.txt");
        assertThat(now().fields()).doesNotContainKey("notes");
        mount.remount();
        Path again = mount.mnt().resolve("photos").resolve(folder.getFileName());
        assertThat(Files.readString(again.resolve("notes.txt"))).isEqualTo("mine");
        Files.delete(again.resolve(".image.jpg.swp"));
        assertThat(RecordLifecycleIT.names(again)).containsExactly("image.jpg", "meta.json", "notes.txt");
    }
}

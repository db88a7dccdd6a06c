package dev.blobsync.fs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.blobsync.engine.Record;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** user.blobsync.* attributes, status.json and statfs as getfattr, setfattr and df see them. */
class XattrAndStatusIT {
    @RegisterExtension
    final MountExtension mount = new MountExtension();

    private Path folder;
    private Record record;

    @BeforeEach
    void aDraftWithAnImage() throws IOException {
        Sh.require("getfattr");
        Path photos = mount.mnt().resolve("photos");
        Files.write(photos.resolve("pier.jpg"), new byte[] {1, 2, 3});
        folder = photos.resolve(RecordLifecycleIT.names(photos).get(0));
        record = mount.engine().table("photos").list().get(0);
    }

    private Sh.Result getfattr(Path p, String name) throws IOException {
        return Sh.run(mount.root(), "getfattr", "--only-values", "-n", name, p.toString());
    }

    @Test
    void blobFilesAndRecordFoldersTellStateHashAndId() throws IOException {
        Path image = folder.resolve("image.jpg");
        assertThat(getfattr(image, "user.blobsync.hash").out()).isEqualTo(record.blob("image").sha256());
        assertThat(getfattr(image, "user.blobsync.id").out()).isEqualTo(record.id().toString());
        assertThat(getfattr(image, "user.blobsync.state").out()).isIn("cached", "queued", "uploading", "synced");
        assertThat(getfattr(image, "user.blobsync.priority").out()).isEqualTo("normal");
        assertThat(getfattr(folder, "user.blobsync.state").out()).isEqualTo("draft");
        assertThat(getfattr(folder, "user.blobsync.error").out()).isNotBlank();

        Sh.Result all = Sh.run(mount.root(), "getfattr", "-d", image.toString());
        assertThat(all.out()).contains("user.blobsync.hash=", "user.blobsync.state=", "user.blobsync.id=");

        Sh.Result missing = getfattr(image, "user.blobsync.nothing");
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.err()).contains("No such attribute");
    }

    @Test
    void scratchFilesAreLocalOnly() throws IOException {
        Path notes = folder.resolve("notes.txt");
        Files.writeString(notes, "x");
        assertThat(getfattr(notes, "user.blobsync.state").out()).isEqualTo("local-only");
    }

    @Test
    void priorityIsWritableOtherAttributesAreReadOnlyAndAclsAreNotSupported() throws IOException {
        Path image = folder.resolve("image.jpg");
        Sh.Result set = Sh.run(mount.root(), "setfattr", "-n", "user.blobsync.priority", "-v", "high", image.toString());
        assertThat(set.exit()).as(set.err()).isZero();
        assertThat(getfattr(image, "user.blobsync.priority").out()).isEqualTo("high");
        assertThat(getfattr(folder, "user.blobsync.priority").out()).as("a blob's own priority stays its own")
                .isEqualTo("normal");
        Sh.Result removed = Sh.run(mount.root(), "setfattr", "-x", "user.blobsync.priority", image.toString());
        assertThat(removed.exit()).as(removed.err()).isZero();
        assertThat(getfattr(image, "user.blobsync.priority").out()).isEqualTo("normal");

        Sh.Result bad = Sh.run(mount.root(), "setfattr", "-n", "user.blobsync.priority", "-v", "soon", image.toString());
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.err()).contains("Invalid argument");
        assertThat(getfattr(image, "user.blobsync.error").out()).contains("high, normal or low");

        Sh.Result readOnly = Sh.run(mount.root(), "setfattr", "-n", "user.blobsync.state", "-v", "cached",
                image.toString());
        assertThat(readOnly.exit()).isNotZero();
        assertThat(readOnly.err()).contains("Operation not permitted");

        Sh.Result acl = Sh.run(mount.root(), "setfattr", "-n", "system.posix_acl_access", "-v", "0sAgAAAA==", image.toString());
        assertThat(acl.exit()).isNotZero();
        assertThat(acl.err()).contains("Operation not supported");
    }

    @Test
    void statusJsonCountsRecordsAndStatfsAnswers() throws IOException {
        JsonNode status = new ObjectMapper().readTree(Files.readAllBytes(mount.mnt().resolve(".blobsync/status.json")));
        assertThat(status.path("records").path("draft").asInt()).isEqualTo(1);
        assertThat(status.path("tables").path("photos").path("draft").asInt()).isEqualTo(1);
        assertThat(status.path("queue").path("dataOnline").asBoolean()).isTrue();
        assertThat(status.has("pending")).isTrue();
        assertThat(Files.getFileStore(mount.mnt()).getTotalSpace()).isPositive();
        Sh.Result df = Sh.run(mount.root(), "df", "-h", mount.mnt().toString());
        assertThat(df.exit()).as(df.err()).isZero();
        assertThat(df.out()).contains("blobsync");
    }
}

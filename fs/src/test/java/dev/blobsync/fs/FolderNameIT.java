package dev.blobsync.fs;

import static dev.blobsync.fs.RecordLifecycleIT.names;
import static org.assertj.core.api.Assertions.assertThat;

import dev.blobsync.engine.Record;
import dev.blobsync.engine.RecordState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 9, defect 6b: a record's folder keeps one name on this device, across remounts. The
 * schema is the one {@code blobsync init} writes ({@code "{takenAt:yyyy-MM-dd} {title}"},
 * {@code takenAt} defaulting to now), so a typed name like {@code Trip} is not what the template
 * renders ({@code 2026-11-30 Trip}).
 */
class FolderNameIT {
    @RegisterExtension
    final MountExtension mount = new MountExtension(TestHub::photosAsInitWritesThem);

    private Path photos() {
        return mount.mnt().resolve("photos");
    }

    @Test
    void mkdirTripShowsAsTripOnEveryMount() throws IOException {
        Sh.Result mkdir = Sh.run(mount.root(), "mkdir", photos().resolve("Trip").toString());
        assertThat(mkdir.exit()).as(mkdir.err()).isZero();
        assertThat(names(photos())).containsExactly("Trip");
        Record draft = mount.engine().table("photos").list().get(0);
        assertThat(draft.state()).isEqualTo(RecordState.DRAFT);
        assertThat(draft.get("title")).isEqualTo("Trip");

        mount.remount();
        assertThat(names(photos())).containsExactly("Trip");
        mount.remount();
        assertThat(names(photos())).containsExactly("Trip");
        assertThat(names(photos().resolve("Trip"))).containsExactly("meta.json");
    }

    @Test
    void mkdirThenCpIntoTheFolderByTheNameItGave() throws IOException {
        byte[] image = RecordLifecycleIT.randomBytes(20_000, 61);
        Path src = mount.root().resolve("a.jpg");
        Files.write(src, image);
        Sh.Result sh = Sh.run(mount.root(), "bash", "-c", "mkdir \"$1/X\" && cp \"$2\" \"$1/X/image.jpg\"",
                "sh", photos().toString(), src.toString());
        assertThat(sh.exit()).as(sh.err()).isZero();
        assertThat(names(photos())).containsExactly("X");
        Record r = mount.engine().table("photos").list().get(0);
        assertThat(r.state()).as("complete once the image is in: the schema's defaults fill the rest")
                .isNotEqualTo(RecordState.DRAFT);

        mount.remount();
        assertThat(names(photos())).containsExactly("X");
        assertThat(Files.readAllBytes(photos().resolve("X/image.jpg"))).isEqualTo(image);
    }

    @Test
    void cpMinusRMakesTheFolderAndFillsIt() throws IOException {
        Path src = Files.createDirectories(mount.root().resolve("src"));
        byte[] image = RecordLifecycleIT.randomBytes(25_000, 62);
        Files.write(src.resolve("image.jpg"), image);
        Files.writeString(src.resolve("notes.txt"), "shot from the ferry");
        Sh.Result cp = Sh.run(mount.root(), "cp", "-r", src.toString(), photos().resolve("Ferry").toString());
        assertThat(cp.exit()).as(cp.err()).isZero();
        assertThat(names(photos())).containsExactly("Ferry");
        assertThat(names(photos().resolve("Ferry"))).containsExactly("image.jpg", "meta.json", "notes.txt");

        mount.remount();
        assertThat(names(photos())).containsExactly("Ferry");
        assertThat(Files.readAllBytes(photos().resolve("Ferry/image.jpg"))).isEqualTo(image);
        assertThat(Files.readString(photos().resolve("Ferry/notes.txt"))).isEqualTo("shot from the ferry");
    }

    @Test
    void aFolderRenamedToANameOutsideTheTemplateKeepsIt() throws IOException {
        Files.write(photos().resolve("Ren.jpg"), RecordLifecycleIT.randomBytes(5_000, 63));
        String rendered = names(photos()).stream().filter(n -> n.endsWith(" Ren")).findFirst().orElseThrow();
        Sh.Result mv = Sh.run(mount.root(), "mv", photos().resolve(rendered).toString(),
                photos().resolve("Holiday").toString());
        assertThat(mv.exit()).as(mv.err()).isZero();
        assertThat(names(photos())).containsExactly("Holiday");
        assertThat(mount.engine().table("photos").list().get(0).get("title")).isEqualTo("Holiday");

        mount.remount();
        assertThat(names(photos())).containsExactly("Holiday");
    }

    @Test
    void aTitleEditedInMetaJsonRenamesTheFolderToTheTemplatesName() throws IOException {
        Sh.Result mkdir = Sh.run(mount.root(), "mkdir", photos().resolve("Trip").toString());
        assertThat(mkdir.exit()).as(mkdir.err()).isZero();
        Path meta = photos().resolve("Trip/meta.json");
        Files.writeString(meta, Files.readString(meta).replace("\"Trip\"", "\"Rome\""));
        String rome = names(photos()).get(0);
        assertThat(rome).endsWith(" Rome").matches("\\d{4}-\\d{2}-\\d{2} Rome");
        // Renamed by an edit, not by rename(): the kernel may answer from its cache for up to a second.
        assertThat(Sh.eventually(java.time.Duration.ofSeconds(10),
                () -> !Files.exists(photos().resolve("Trip")))).as("the old folder name goes").isTrue();
        assertThat(names(photos())).containsExactly(rome);
        mount.remount();
        assertThat(names(photos())).containsExactly(rome);
    }
}

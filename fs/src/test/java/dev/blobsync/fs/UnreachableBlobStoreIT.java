package dev.blobsync.fs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.blobsync.engine.Record;
import dev.blobsync.engine.SyncEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 9, 6a: the hub's blob folder goes away (renamed) while mounted. {@code status.json}
 * says so, and reading a photo that is not cached fails with a reason a user can act on: the
 * photo's own size (not its chunk list's), what to do, and no Java exception names.
 */
class UnreachableBlobStoreIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final MountExtension mount = new MountExtension();

    @Test
    void aMovedBlobFolderShowsOfflineAndTheErrorNamesThePhotosSizeAndWhatToDo() throws Exception {
        Sh.require("getfattr");
        mount.hub().tune("prefetch: {enabled: false}", "");
        mount.remount();
        byte[] photo = new byte[1_700_000];
        new Random(17).nextBytes(photo);
        Path src = Files.write(mount.root().resolve("harbour.jpg"), photo);
        Record r;
        try (SyncEngine b = mount.hub().openEngine("b")) {
            r = b.table("photos").insert(Map.of("title", "harbour", "takenAt", "2026-05-01T10:00:00Z",
                    "familyId", "7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01", "image", src));
            assertThat(b.flush(WAIT)).isTrue();
        }
        Path photos = mount.mnt().resolve("photos");
        assertThat(Sh.eventually(WAIT, () -> listing(photos).contains("2026-05-01 harbour"))).isTrue();
        Path image = photos.resolve("2026-05-01 harbour/image.jpg");
        assertThat(blobsOnline()).isTrue();

        Path blobs = mount.hub().hub().resolve("blobs");
        Path away = mount.hub().hub().resolve("blobs-away");
        Files.move(blobs, away);
        Sh.Result cat = Sh.run(mount.root(), "cat", image.toString());
        assertThat(cat.exit()).isNotZero();
        assertThat(cat.err()).contains("Input/output error");
        String error = Sh.run(mount.root(), "getfattr", "--only-values", "-n", "user.blobsync.error",
                image.toString()).out();
        assertThat(error).as("the photo's size").contains("1.7 MB").doesNotContain(" B)");
        assertThat(error).as("which store, and what to do").contains(blobs.toString()).contains("again");
        assertThat(error).as("no Java internals").doesNotContain("Exception").doesNotContain("java.");
        assertThat(Sh.eventually(WAIT, () -> !blobsOnline())).as("status.json: blobsOnline false").isTrue();
        assertThat(Files.exists(blobs)).as("the engine does not create a new, empty blob folder").isFalse();

        Files.move(away, blobs);
        assertThat(Sh.eventually(WAIT, this::blobsOnline)).as("online again, by itself").isTrue();
        assertThat(Files.readAllBytes(image)).isEqualTo(photo);
        assertThat(r.blob("image").size()).isEqualTo(photo.length);

        // Without any read, the idle mount notices as well.
        Files.move(blobs, away);
        assertThat(Sh.eventually(WAIT, () -> !blobsOnline())).as("noticed while idle").isTrue();
        Files.move(away, blobs);
        assertThat(Sh.eventually(WAIT, this::blobsOnline)).isTrue();
    }

    private boolean blobsOnline() {
        try {
            return JSON.readTree(Files.readAllBytes(mount.mnt().resolve(".blobsync/status.json")))
                    .path("queue").path("blobsOnline").asBoolean(true);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static java.util.List<String> listing(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            return java.util.List.of();
        }
    }
}

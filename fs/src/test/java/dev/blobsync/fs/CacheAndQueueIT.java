package dev.blobsync.fs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.blobsync.engine.Record;
import dev.blobsync.engine.SyncEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Pins, cache state, the offline queue and quotas as getfattr, setfattr, cat, cp and df see them. */
class CacheAndQueueIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final MountExtension mount = new MountExtension();

    @BeforeEach
    void tools() {
        Sh.require("getfattr");
        Sh.require("setfattr");
    }

    private Sh.Result getfattr(Path p, String name) throws IOException {
        return Sh.run(mount.root(), "getfattr", "--only-values", "-n", name, p.toString());
    }

    private Sh.Result setfattr(Path p, String name, String value) throws IOException {
        return Sh.run(mount.root(), "setfattr", "-n", name, "-v", value, p.toString());
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Another device writes records straight into the hub; this mount has none of their blobs cached. */
    private List<Record> fromAnotherDevice(int photos, byte[]... pdfs) throws Exception {
        List<Record> out = new ArrayList<>();
        try (SyncEngine b = mount.hub().openEngine("b")) {
            for (int i = 0; i < photos; i++) {
                Path img = mount.root().resolve("other-" + i + ".jpg");
                Files.write(img, random(2_500_000, i));
                out.add(b.table("photos").insert(Map.of("title", "other " + i, "takenAt", "2026-03-0" + (i + 1)
                        + "T00:00:00Z", "familyId", "7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01", "image", img)));
            }
            int n = 0;
            for (byte[] pdf : pdfs) {
                Path file = mount.root().resolve("doc-" + n + ".pdf");
                Files.write(file, pdf);
                out.add(b.table("notes").insert(Map.of("title", "doc " + n++, "attachment", file)));
            }
            assertThat(b.flush(WAIT)).isTrue();
        }
        return out;
    }

    private Path folderOf(String table, Record r) throws IOException {
        Path dir = mount.mnt().resolve(table);
        assertThat(Sh.eventually(WAIT, () -> listing(dir).size() >= 1)).isTrue();
        String title = (String) r.get("title");
        assertThat(Sh.eventually(WAIT, () -> listing(dir).stream().anyMatch(n -> n.contains(title)))).isTrue();
        return dir.resolve(listing(dir).stream().filter(n -> n.contains(title)).findFirst().orElseThrow());
    }

    private static List<String> listing(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    @Test
    void aPinnedTableReadsWithTheStoreGoneWhileAnUnpinnedBlobFailsFastWithEio() throws Exception {
        // No prefetch of listed folders here: the unpinned blob must stay remote.
        mount.hub().tune("prefetch: {enabled: false}", "");
        mount.remount();
        byte[] pdf = random(300_000, 99);
        List<Record> records = fromAnotherDevice(3, pdf);
        Path photos = mount.mnt().resolve("photos");
        List<Path> images = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            images.add(folderOf("photos", records.get(i)).resolve("image.jpg"));
        }
        Path attachment = folderOf("notes", records.get(3)).resolve("attachment.pdf");
        assertThat(getfattr(images.get(0), "user.blobsync.state").out()).isEqualTo("remote");

        Sh.Result pin = setfattr(photos, "user.blobsync.priority", "high");
        assertThat(pin.exit()).as(pin.err()).isZero();
        assertThat(getfattr(photos, "user.blobsync.priority").out()).isEqualTo("high");
        assertThat(getfattr(images.get(1).getParent(), "user.blobsync.priority").out()).as("inherited").isEqualTo("high");
        assertThat(getfattr(images.get(1), "user.blobsync.priority").out()).as("inherited").isEqualTo("high");
        for (Path image : images) {
            assertThat(Sh.eventually(WAIT, () -> {
                try {
                    return getfattr(image, "user.blobsync.state").out().equals("cached");
                } catch (IOException e) {
                    return false;
                }
            })).as("pinned blobs are fetched in full").isTrue();
            assertThat(getfattr(image, "user.blobsync.progress").out()).isEqualTo("1.00");
        }

        // The blob store goes away.
        Path blobs = mount.hub().hub().resolve("blobs");
        Files.move(blobs, mount.hub().hub().resolve("blobs-away"));
        for (int i = 0; i < 3; i++) {
            assertThat(sha256(Files.readAllBytes(images.get(i)))).isEqualTo(records.get(i).blob("image").sha256());
        }
        long start = System.nanoTime();
        Sh.Result cat = Sh.run(mount.root(), "cat", attachment.toString());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("fails fast").isLessThan(Duration.ofSeconds(5));
        assertThat(cat.exit()).isNotZero();
        assertThat(cat.err()).contains("Input/output error");
        assertThat(getfattr(attachment, "user.blobsync.error").out()).contains("doc-0.pdf");

        Files.move(mount.hub().hub().resolve("blobs-away"), blobs);
        assertThat(sha256(Files.readAllBytes(attachment))).as("reads again once the store is back")
                .isEqualTo(sha256(pdf));
    }

    @Test
    void listingAFolderPrefetchesTheBlobsShownInTheBackground() throws Exception {
        List<Record> records = fromAnotherDevice(2);
        Path image = folderOf("photos", records.get(0)).resolve("image.jpg");
        assertThat(Sh.eventually(WAIT, () -> {
            try {
                return getfattr(image, "user.blobsync.state").out().equals("cached");
            } catch (IOException e) {
                return false;
            }
        })).as("fetched without being opened").isTrue();
    }

    @Test
    void aPinThatCannotFitIsRefusedWithEnospcAndAReason() throws Exception {
        mount.hub().tune("maxSize: 4MB, minFreeDisk: 0", "");
        mount.remount();
        fromAnotherDevice(3);
        Path photos = mount.mnt().resolve("photos");
        assertThat(Sh.eventually(WAIT, () -> listing(photos).size() == 3)).isTrue();
        Sh.Result pin = setfattr(photos, "user.blobsync.priority", "high");
        assertThat(pin.exit()).isNotZero();
        assertThat(pin.err()).contains("No space left on device");
        assertThat(getfattr(photos, "user.blobsync.error").out()).contains("cache.maxSize");
        assertThat(getfattr(photos, "user.blobsync.priority").out()).isEqualTo("normal");
        Sh.Result bad = setfattr(photos, "user.blobsync.priority", "urgent");
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.err()).contains("Invalid argument");
    }

    @Test
    void dfShowsTheCacheQuota() throws Exception {
        mount.hub().tune("maxSize: 3GB", "");
        mount.remount();
        Sh.Result df = Sh.run(mount.root(), "df", "-B1", "--output=size", mount.mnt().toString());
        long size = Long.parseLong(df.out().lines().skip(1).findFirst().orElseThrow().trim());
        assertThat(size).isBetween(3_000_000_000L - 4096, 3_000_000_000L);
    }

    @Test
    void writesWhileTheStoreIsDownQueueUpShowQueuedAndDrainByThemselves() throws Exception {
        Path incoming = mount.hub().hub().resolve("blobs").resolve(".incoming");
        Files.createDirectories(incoming.getParent());
        try (Stream<Path> s = Files.list(incoming)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(incoming);
        Files.writeString(incoming, "down");

        Path notes = mount.mnt().resolve("notes");
        byte[] pdf = random(400_000, 5);
        Files.write(notes.resolve("harbour.pdf"), pdf);
        Path folder = notes.resolve(listing(notes).stream().filter(n -> n.contains("harbour")).findFirst()
                .orElseThrow());
        Path image = folder.resolve("attachment.pdf");
        assertThat(getfattr(image, "user.blobsync.state").out()).isIn("queued", "uploading");
        assertThat(getfattr(folder, "user.blobsync.state").out()).isIn("queued", "uploading");
        assertThat(getfattr(image, "user.blobsync.progress").out()).isEqualTo("0.00");
        assertThat(getfattr(folder, "user.blobsync.progress").out()).isEqualTo("0.00");
        String queue = Files.readString(mount.mnt().resolve(".blobsync/queue.json"));
        assertThat(queue).contains("\"upload\"").contains("harbour.pdf");
        assertThat(sha256(Files.readAllBytes(image))).as("reads back while queued").isEqualTo(sha256(pdf));

        Files.delete(incoming); // the store is back: no flush, no command
        assertThat(Sh.eventually(WAIT, () -> {
            try {
                return getfattr(folder, "user.blobsync.state").out().equals("synced");
            } catch (IOException e) {
                return false;
            }
        })).isTrue();
        assertThat(getfattr(image, "user.blobsync.state").out()).isEqualTo("cached");
        assertThat(getfattr(folder, "user.blobsync.progress").out()).isEqualTo("1.00");
        assertThat(Files.readString(mount.mnt().resolve(".blobsync/queue.json"))).doesNotContain("harbour");
    }

    @Test
    void aWritePastTheQueueLimitFailsWithEnospcAndKeepsWhatWasQueued() throws Exception {
        mount.hub().tune("", "maxQueueSize: 1MB");
        mount.remount();
        Path incoming = mount.hub().hub().resolve("blobs").resolve(".incoming");
        Files.createDirectories(incoming.getParent());
        Files.deleteIfExists(incoming);
        Files.writeString(incoming, "down");
        Path photos = mount.mnt().resolve("photos");
        Files.write(photos.resolve("one.jpg"), random(600_000, 6));
        Path big = mount.root().resolve("two.jpg");
        Files.write(big, random(600_000, 7));
        Sh.Result cp = Sh.run(mount.root(), "cp", big.toString(), photos.toString() + "/");
        assertThat(cp.exit()).isNotZero();
        assertThat(cp.err()).contains("No space left on device");
        assertThat(listing(photos)).anyMatch(n -> n.contains("one")).noneMatch(n -> n.contains("two"));

        Files.delete(incoming);
        assertThat(mount.engine().flush(WAIT)).isTrue();
        Record one = mount.engine().table("photos").list().stream()
                .filter(r -> "one".equals(r.get("title"))).findFirst().orElseThrow();
        assertThat(mount.hub().blobInHub(one.blob("image").sha256())).exists();
    }
}

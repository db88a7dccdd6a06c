package dev.blobsync.fs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.blobsync.engine.Record;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A blob written through the mount survives unmount and a new engine, and reaches the hub. */
class BlobRoundTripIT {
    @RegisterExtension
    final MountExtension mount = new MountExtension();

    static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            DigestInputStream d = (DigestInputStream) in;
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(d.getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256Of(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void twentyMebibytesCopiedInReadBackAfterRemountAndLandInTheHub() throws IOException {
        Path src = mount.root().resolve("big.jpg");
        Files.write(src, RecordLifecycleIT.randomBytes(20 << 20, 20));
        String expected = sha256(src);

        Sh.Result cp = Sh.run(mount.root(), "cp", src.toString(), mount.mnt().resolve("photos").toString());
        assertThat(cp.exit()).as(cp.err()).isZero();

        mount.remount();

        Path photos = mount.mnt().resolve("photos");
        List<String> folders = RecordLifecycleIT.names(photos);
        assertThat(folders).hasSize(1);
        Path image = photos.resolve(folders.get(0)).resolve("image.jpg");
        assertThat(Files.size(image)).isEqualTo(20 << 20);
        assertThat(sha256(image)).isEqualTo(expected);

        assertThat(mount.engine().flush(Duration.ofSeconds(30))).isTrue();
        Record r = mount.engine().table("photos").list().get(0);
        assertThat(r.blob("image").sha256()).isEqualTo(expected);
        Path inHub = mount.hub().blobInHub(expected);
        assertThat(inHub).exists();
        assertThat(sha256(inHub)).isEqualTo(expected);
    }

    @Test
    void appendAndInPlaceWritesEditTheCurrentBytes() throws IOException {
        Path photos = mount.mnt().resolve("photos");
        Files.write(photos.resolve("a.jpg"), new byte[] {1, 2, 3, 4});
        Path image = photos.resolve(RecordLifecycleIT.names(photos).get(0)).resolve("image.jpg");

        Files.write(image, new byte[] {5, 6}, java.nio.file.StandardOpenOption.APPEND);
        assertThat(Files.readAllBytes(image)).containsExactly(1, 2, 3, 4, 5, 6);

        try (var ch = java.nio.channels.FileChannel.open(image, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {9}), 1);
        }
        assertThat(Files.readAllBytes(image)).containsExactly(1, 9, 3, 4, 5, 6);

        Sh.Result t = Sh.run(mount.root(), "truncate", "-s", "3", image.toString());
        assertThat(t.exit()).as(t.err()).isZero();
        assertThat(Files.readAllBytes(image)).containsExactly(1, 9, 3);

        Sh.Result shell = Sh.run(mount.root(), "sh", "-c", "printf 'xy' > '" + image + "'");
        assertThat(shell.exit()).as(shell.err()).isZero();
        assertThat(Files.readAllBytes(image)).containsExactly('x', 'y');
        assertThat(mount.engine().table("photos").list().get(0).blob("image").size()).isEqualTo(2);
    }
}

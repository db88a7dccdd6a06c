package dev.blobsync.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.blobsync.engine.Record;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Mounting and unmounting: clear errors, and unmount saves what is still open. */
class MountLifecycleIT {
    @RegisterExtension
    final MountExtension mount = new MountExtension();

    @Test
    void mountingTwiceOrOnAMissingFolderFailsClearly() throws IOException {
        BlobsyncFs second = new BlobsyncFs(mount.engine(), FsOptions.defaults());
        assertThatThrownBy(() -> second.mount(mount.mnt()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("mounted there already");
        assertThatThrownBy(() -> second.mount(mount.root().resolve("missing")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a folder");
        assertThatThrownBy(() -> mount.fs().mount(Files.createDirectories(mount.root().resolve("other"))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already mounted at");
        second.unmount();
        assertThat(Mounts.isMounted(mount.mnt())).isTrue();
    }

    @Test
    void unmountSavesAFileThatIsStillOpen() throws IOException {
        Path photos = mount.mnt().resolve("photos");
        OutputStream out = Files.newOutputStream(photos.resolve("open.jpg"));
        out.write(new byte[] {4, 2});
        out.flush();
        mount.fs().unmount();
        assertThat(Mounts.isMounted(mount.mnt())).isFalse();
        List<Record> all = mount.engine().table("photos").list();
        assertThat(all).singleElement().satisfies(r -> assertThat(r.blob("image").size()).isEqualTo(2));
        try {
            out.close();
        } catch (IOException e) {
            // The mount is gone; the bytes were saved before it went.
        }
        mount.fs().unmount();
    }

    @Test
    void theMissingFuseMessageSaysWhatAndHow() {
        String message = BlobsyncFs.unavailableMessage(List.of("the library libfuse.so.2 (package libfuse2)"));
        assertThat(message).contains("libfuse.so.2", "sudo apt-get install fuse libfuse2", "22.04");
    }
}

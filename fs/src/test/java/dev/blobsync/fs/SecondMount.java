package dev.blobsync.fs;

import dev.blobsync.engine.SyncEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Another device on the hub of a {@link MountExtension}, in the same JVM: its own cache
 * ({@code cache-<device>}) and mount point ({@code mnt-<device>}). Close it in the test
 * (try-with-resources); it unmounts and closes its engine.
 */
public final class SecondMount implements AutoCloseable {
    private final SyncEngine engine;
    private final BlobsyncFs fs;
    private final Path mnt;

    private SecondMount(SyncEngine engine, BlobsyncFs fs, Path mnt) {
        this.engine = engine;
        this.fs = fs;
        this.mnt = mnt;
    }

    public static SecondMount open(MountExtension mount, String device, FsOptions options) throws IOException {
        Path mnt = Files.createDirectories(mount.root().resolve("mnt-" + device));
        SyncEngine engine = mount.hub().openEngine(device);
        BlobsyncFs fs = new BlobsyncFs(engine, options);
        try {
            fs.mount(mnt);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        return new SecondMount(engine, fs, mnt);
    }

    public static SecondMount open(MountExtension mount, String device) throws IOException {
        return open(mount, device, FsOptions.defaults());
    }

    public Path mnt() {
        return mnt;
    }

    public SyncEngine engine() {
        return engine;
    }

    @Override
    public void close() {
        try {
            fs.unmount();
        } finally {
            engine.close();
            if (Mounts.isMounted(mnt)) {
                Mounts.fusermount(mnt, true);
            }
        }
    }
}

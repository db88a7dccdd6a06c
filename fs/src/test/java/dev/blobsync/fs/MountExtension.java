package dev.blobsync.fs;

import dev.blobsync.engine.SyncEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives each test a temp hub, an engine ("device a") and the drive mounted on it, and always
 * unmounts and closes them afterwards, also when the test failed. Register it with
 * {@code @RegisterExtension final MountExtension mount = new MountExtension();}. Without FUSE the
 * test is skipped (or fails under {@code CI=true}) before anything is made, and afterEach has
 * nothing to undo.
 */
public final class MountExtension implements BeforeEachCallback, AfterEachCallback {
    private final Consumer<TestHub> setup;
    private FsOptions options = FsOptions.defaults();
    private Path root;
    private TestHub hub;
    private SyncEngine engine;
    private BlobsyncFs fs;
    private Path mnt;

    public MountExtension() {
        this(hub -> { });
    }

    /** @param setup runs on the new hub before device "a" mounts it (tune it, fill it) */
    public MountExtension(Consumer<TestHub> setup) {
        this.setup = setup;
    }

    /** Mounts device "a" with {@code options} instead of the defaults. */
    public MountExtension withOptions(FsOptions options) {
        this.options = options;
        return this;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        FuseRequirement.require();
        root = Files.createTempDirectory("blobsync-it-");
        hub = new TestHub(root);
        mnt = Files.createDirectories(root.resolve("mnt"));
        setup.accept(hub);
        mountNew();
    }

    private void mountNew() throws IOException {
        engine = hub.openEngine("a");
        fs = new BlobsyncFs(engine, options);
        fs.mount(mnt);
    }

    /** Unmounts, closes the engine, and mounts a new engine on the same cache and hub. */
    public void remount() throws IOException {
        stop();
        mountNew();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (root == null) {
            // beforeEach stopped at the FUSE check (the test is skipped): nothing was made.
            return;
        }
        try {
            stop();
        } finally {
            if (mnt != null && Mounts.isMounted(mnt)) {
                Mounts.fusermount(mnt, true);
            }
            deleteTree(root);
        }
    }

    private void stop() {
        try {
            if (fs != null) {
                fs.unmount();
            }
        } finally {
            fs = null;
            if (engine != null) {
                engine.close();
                engine = null;
            }
        }
    }

    public Path mnt() {
        return mnt;
    }

    public Path root() {
        return root;
    }

    public TestHub hub() {
        return hub;
    }

    public SyncEngine engine() {
        return engine;
    }

    public BlobsyncFs fs() {
        return fs;
    }

    static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir) || Mounts.isMounted(dir.resolve("mnt"))) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}

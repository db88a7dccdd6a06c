package dev.blobsync.engine.provider.filesystem;

import dev.blobsync.engine.spi.BlobProvider;
import dev.blobsync.engine.spi.BlobProviderContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class FilesystemBlobProviderTest extends BlobProviderContract {
    @TempDir
    Path root;

    @Override
    protected BlobProvider openFirst() throws Exception {
        return FilesystemBlobProvider.open(root);
    }

    @Override
    protected BlobProvider reopen() throws Exception {
        return FilesystemBlobProvider.open(root);
    }
}

package dev.blobsync.engine.gc;

import dev.blobsync.engine.testing.EngineFixture;
import java.nio.file.Path;

class FilesystemBlobCollectorTest extends BlobCollectorContract {
    @Override
    protected Path config(String device) {
        return new EngineFixture(dir).config(device);
    }
}

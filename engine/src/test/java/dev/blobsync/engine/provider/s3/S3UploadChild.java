package dev.blobsync.engine.provider.s3;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.config.ConfigLoader;
import java.nio.file.Path;

/**
 * A client process for {@link S3KillResumeTest}: opens an engine on the given config, stores
 * the given file as a blob (queued for upload) and keeps running until it is killed.
 */
public final class S3UploadChild {
    private S3UploadChild() {
    }

    public static void main(String[] args) throws Exception {
        SyncEngine engine = SyncEngine.open(ConfigLoader.load(Path.of(args[0])));
        BlobRef ref = engine.putBlob(Path.of(args[1]), "image/jpeg", "big.jpg", false);
        System.out.println("queued " + ref.sha256());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}

package dev.blobsync.engine.provider.s3;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.config.ConfigLoader;
import java.nio.file.Path;
import java.util.Map;

/**
 * A client process for {@link S3KillResumeTest}: opens an engine on the given config, adds a
 * photo record holding the given file (its blob is queued for upload) and keeps running until
 * it is killed.
 */
public final class S3UploadChild {
    private S3UploadChild() {
    }

    public static void main(String[] args) throws Exception {
        SyncEngine engine = SyncEngine.open(ConfigLoader.load(Path.of(args[0])));
        BlobRef ref = engine.putBlob(Path.of(args[1]), "image/jpeg", "big.jpg", false);
        engine.table("photos").insert(photo("Big", ref));
        System.out.println("queued " + ref.sha256());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    /** A valid record of the photos schema holding {@code image}. */
    static Map<String, Object> photo(String title, BlobRef image) {
        return Map.of("title", title, "takenAt", "2026-07-04T10:00:00Z",
                "familyId", "7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01", "image", image);
    }
}

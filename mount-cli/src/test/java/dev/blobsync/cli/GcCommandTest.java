package dev.blobsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.provider.filesystem.FilesystemBlobProvider;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GcCommandTest {
    @TempDir
    Path tmp;

    /** Stores bytes in the hub's blob folder, written {@code age} ago, referenced by nothing. */
    private String storedBlob(long seed, Duration age) throws Exception {
        byte[] b = new byte[40_000];
        new Random(seed).nextBytes(b);
        String key = Hashing.sha256(new ByteArrayInputStream(b));
        try (FilesystemBlobProvider blobs = FilesystemBlobProvider.open(tmp.resolve("hub/blobs"))) {
            String token = blobs.beginUpload(key, b.length);
            blobs.append(key, token, 0, new ByteArrayInputStream(b), b.length);
            blobs.complete(key, token);
            Files.setLastModifiedTime(blobs.pathOf(key), FileTime.from(Instant.now().minus(age)));
        }
        return key;
    }

    @Test
    void gcDeletesOnlyOldUnreferencedBlobsAndDryRunDeletesNothing() throws Exception {
        Path config = tmp.resolve("blobsync.yaml");
        assertThat(CliRun.of("init", "--hub", tmp.resolve("hub").toString(), config.toString()).code()).isZero();
        Path photo = tmp.resolve("kept.jpg");
        Files.write(photo, new byte[] {1, 2, 3, 4});
        try (SyncEngine engine = SyncEngine.open(ConfigLoader.load(config))) {
            engine.table("photos").insert(Map.of("title", "kept", "image", photo));
            assertThat(engine.flush(Duration.ofSeconds(30))).isTrue();
        }
        String kept = Hashing.sha256(photo);
        Files.setLastModifiedTime(tmp.resolve("hub/blobs").resolve(kept.substring(0, 2)).resolve(kept),
                FileTime.from(Instant.now().minus(Duration.ofDays(30))));
        String old = storedBlob(1, Duration.ofDays(30));
        String young = storedBlob(2, Duration.ofDays(1));

        CliRun dry = CliRun.of("gc", "--config", config.toString(), "--dry-run");
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("Would delete 1 blobs").contains(old).contains("younger than 7d: 1");
        assertThat(Files.exists(tmp.resolve("hub/blobs").resolve(old.substring(0, 2)).resolve(old))).isTrue();

        CliRun real = CliRun.of("gc", "--config", config.toString());
        assertThat(real.code()).as(real.err()).isZero();
        assertThat(real.out()).contains("Deleted 1 blobs").contains(old).doesNotContain(kept).doesNotContain(young);
        assertThat(Files.exists(tmp.resolve("hub/blobs").resolve(old.substring(0, 2)).resolve(old))).isFalse();
        assertThat(Files.exists(tmp.resolve("hub/blobs").resolve(kept.substring(0, 2)).resolve(kept))).isTrue();

        CliRun tooShort = CliRun.of("gc", "--config", config.toString(), "--grace", "5m");
        assertThat(tooShort.code()).isEqualTo(2);
        assertThat(tooShort.err()).contains("too short");
    }
}

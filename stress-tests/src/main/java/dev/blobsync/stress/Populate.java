package dev.blobsync.stress;

import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.config.ConfigLoader;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Random;

/**
 * Fills a table through the engine's API, for benchmarks: {@code Populate CONFIG TABLE COUNT
 * BLOB_BYTES}. Prints progress and waits until everything is synced.
 */
public final class Populate {
    private Populate() {
    }

    public static void main(String[] args) {
        Path config = Path.of(args[0]);
        String table = args[1];
        int count = Integer.parseInt(args[2]);
        int blobBytes = Integer.parseInt(args[3]);
        Random rnd = new Random(42);
        try (SyncEngine engine = SyncEngine.open(ConfigLoader.load(config))) {
            Instant base = Instant.parse("2026-01-01T00:00:00Z");
            for (int i = 0; i < count; i++) {
                byte[] b = new byte[blobBytes];
                rnd.nextBytes(b);
                engine.table(table).insert(Map.of("title", "record " + i, "takenAt", base.plusSeconds(i * 60L),
                        "image", engine.putBlob(new ByteArrayInputStream(b), "image/jpeg", "img" + i + ".jpg")));
                if ((i + 1) % 1000 == 0) {
                    System.err.println("inserted " + (i + 1) + " of " + count);
                }
            }
            if (!engine.flush(Duration.ofMinutes(30))) {
                System.err.println("not everything was synced");
                System.exit(1);
            }
            System.err.println("synced " + count + " records");
        }
    }
}

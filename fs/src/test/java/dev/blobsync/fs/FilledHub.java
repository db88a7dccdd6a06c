package dev.blobsync.fs;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.provider.sqlite.SqliteHubDataProvider;
import dev.blobsync.engine.schema.TableSchema;
import dev.blobsync.engine.spi.Mutation;
import dev.blobsync.engine.spi.ProviderException;
import dev.blobsync.engine.spi.PushResult;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A hub holding {@link #RECORDS} photos, made once per test JVM and copied into each test's hub:
 * one real blob through a throwaway engine, then the records pushed straight to the hub's data
 * provider in batches of 1,000 (seconds, where 23,000 single inserts through an engine would take
 * minutes).
 */
final class FilledHub {
    /** More records than the 22,942 of issue 9's hub. */
    static final int RECORDS = 23_000;
    private static Path template;

    private FilledHub() {
    }

    /** Copies the filled hub into {@code hub}'s (empty) hub folder. */
    static void copyInto(TestHub hub) {
        try {
            Path from = template();
            try (Stream<Path> files = Files.walk(from)) {
                for (Path p : files.toList()) {
                    Path to = hub.hub().resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(p, to);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static synchronized Path template() throws IOException {
        if (template == null) {
            Path root = Files.createTempDirectory("blobsync-filled-hub-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    MountExtension.deleteTree(root);
                } catch (IOException e) {
                    // A temp folder left behind.
                }
            }));
            TestHub hub = new TestHub(root);
            fill(hub);
            template = hub.hub();
        }
        return template;
    }

    private static void fill(TestHub hub) throws IOException {
        try (SyncEngine seed = hub.openEngine("seed")) {
            BlobRef image = seed.putBlob(new ByteArrayInputStream(RecordLifecycleIT.randomBytes(4_000, 5)),
                    "image/jpeg", "shared.jpg");
            if (!seed.flush(Duration.ofSeconds(60))) {
                throw new IllegalStateException("the seed blob did not reach the hub");
            }
            TableSchema photos = seed.table("photos").schema();
            try (SqliteHubDataProvider data = SqliteHubDataProvider.open(hub.hub())) {
                List<Mutation> batch = new ArrayList<>();
                for (int i = 0; i < RECORDS; i++) {
                    Map<String, Object> fields = new LinkedHashMap<>();
                    fields.put("title", "Photo " + i);
                    fields.put("takenAt", Instant.parse("2026-01-01T00:00:00Z").plusSeconds(60L * i));
                    fields.put("familyId", UUID.fromString("7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01"));
                    fields.put("image", image);
                    batch.add(new Mutation(UUID.randomUUID().toString(), "photos", UUID.randomUUID(), 0,
                            Mutation.Op.UPSERT, photos.toJson(fields, true), Map.of()));
                    if (batch.size() == 1_000 || i == RECORDS - 1) {
                        for (PushResult r : data.push(batch)) {
                            if (r.status() != PushResult.Status.APPLIED) {
                                throw new IllegalStateException("the hub refused a record: " + r);
                            }
                        }
                        batch.clear();
                    }
                }
            } catch (ProviderException e) {
                throw new IOException(e);
            }
        }
    }
}

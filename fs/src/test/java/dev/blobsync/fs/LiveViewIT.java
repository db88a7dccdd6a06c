package dev.blobsync.fs;

import static dev.blobsync.fs.RecordLifecycleIT.names;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.blobsync.engine.QueryResult;
import dev.blobsync.engine.Record;
import dev.blobsync.engine.Subscription;
import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.event.UploadComplete;
import dev.blobsync.engine.event.UploadProgress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The mount follows the engine through live queries: remote changes in ls, and no stall from a slow listener. */
class LiveViewIT {
    private static final String FAMILY = "7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01";

    @RegisterExtension
    final MountExtension mount = new MountExtension();

    private static boolean within(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    private static List<String> ls(Path dir) {
        try {
            return names(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Map<String, Object> photo(SyncEngine engine, String title, byte[] image) {
        Map<String, Object> m = new HashMap<>();
        m.put("title", title);
        m.put("takenAt", "2026-07-04T10:00:00Z");
        m.put("familyId", FAMILY);
        m.put("image", engine.putBlob(new java.io.ByteArrayInputStream(image), "image/jpeg", title + ".jpg"));
        return m;
    }

    @Test
    void remoteInsertRenameAndDeleteShowInLsWithinTwoSeconds() throws Exception {
        Path photos = mount.mnt().resolve("photos");
        assertThat(ls(photos)).isEmpty();
        try (SyncEngine b = mount.hub().openEngine("b")) {
            Record r = b.table("photos").insert(photo(b, "Beach Day", new byte[] {1, 2, 3}));
            assertThat(b.flush(Duration.ofSeconds(15))).isTrue();
            assertThat(within(Duration.ofSeconds(2), () -> ls(photos).contains("2026-07-04 Beach Day")))
                    .as("the remote insert in ls within 2 s").isTrue();
            assertThat(Files.readAllBytes(photos.resolve("2026-07-04 Beach Day/image.jpg"))).containsExactly(1, 2, 3);

            b.table("photos").update(r.id(), Map.of("title", "Sunset"));
            assertThat(b.flush(Duration.ofSeconds(15))).isTrue();
            assertThat(within(Duration.ofSeconds(2), () -> ls(photos).equals(List.of("2026-07-04 Sunset"))))
                    .as("the remote rename in ls within 2 s").isTrue();

            b.table("photos").delete(r.id());
            assertThat(b.flush(Duration.ofSeconds(15))).isTrue();
            assertThat(within(Duration.ofSeconds(2), () -> ls(photos).isEmpty()))
                    .as("the remote delete in ls within 2 s").isTrue();
        }
    }

    @Test
    void thousandBlobWritesThroughTheMountCompleteWhileAListenerIsBlocked() throws Exception {
        SyncEngine engine = mount.engine();
        List<UUID> ids = new ArrayList<>();
        for (int k = 0; k < 10; k++) {
            ids.add(engine.table("photos").insert(photo(engine, "Record " + k, new byte[] {(byte) k})).id());
        }
        Path photos = mount.mnt().resolve("photos");
        assertThat(within(Duration.ofSeconds(5), () -> ls(photos).size() == 10)).isTrue();

        CountDownLatch released = new CountDownLatch(1);
        AtomicInteger deliveries = new AtomicInteger();
        AtomicReference<QueryResult> latest = new AtomicReference<>();
        Subscription query = engine.table("photos").where("familyId", FAMILY).subscribe(r -> {
            deliveries.incrementAndGet();
            latest.set(r);
            await(released);
        });
        // From its first delivery on, the listener holds the events thread: every event and delivery waits.
        assertThat(within(Duration.ofSeconds(5), () -> deliveries.get() == 1)).isTrue();
        Subscription progress = engine.on(UploadProgress.class, e -> await(released));
        Subscription complete = engine.on(UploadComplete.class, e -> await(released));
        try {
            Map<UUID, byte[]> last = new HashMap<>();
            assertTimeoutPreemptively(Duration.ofSeconds(90), () -> {
                for (int i = 0; i < 1000; i++) {
                    UUID id = ids.get(i % ids.size());
                    Path image = photos.resolve("2026-07-04 Record " + (i % ids.size())).resolve("image.jpg");
                    byte[] bytes = ("write " + i + " of 1000 to " + id).getBytes();
                    Files.write(image, bytes);
                    last.put(id, bytes);
                }
            }, "1,000 writes through the mount with a blocked listener");
            assertThat(deliveries.get()).as("the listener is still blocked in its first delivery").isEqualTo(1);

            released.countDown();
            // Conflated: the listener's next delivery is the current state, not a backlog of 1,000.
            assertThat(within(Duration.ofSeconds(15), () -> latest.get() != null && ids.stream().allMatch(
                    id -> sha(latest.get(), id).equals(BlobRoundTripIT.sha256Of(last.get(id)))))).isTrue();
            assertThat(deliveries.get()).isLessThan(50);
            for (UUID id : ids) {
                Record r = engine.table("photos").get(id).orElseThrow();
                assertThat(r.blob("image").sha256()).isEqualTo(BlobRoundTripIT.sha256Of(last.get(id)));
            }
        } finally {
            released.countDown();
            query.close();
            progress.close();
            complete.close();
        }
    }

    private static String sha(QueryResult r, UUID id) {
        return r.data().stream().filter(x -> x.id().equals(id)).findFirst().map(x -> x.blob("image").sha256())
                .orElse("");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

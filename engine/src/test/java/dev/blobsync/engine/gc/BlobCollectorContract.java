package dev.blobsync.engine.gc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.Record;
import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.config.EngineConfig;
import dev.blobsync.engine.provider.Providers;
import dev.blobsync.engine.spi.BlobProvider;
import dev.blobsync.engine.spi.DataProvider;
import dev.blobsync.engine.spi.PendingUpload;
import dev.blobsync.engine.spi.StoredBlob;
import dev.blobsync.engine.store.LocalStore;
import dev.blobsync.engine.store.PendingRow;
import dev.blobsync.engine.store.RecordStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code blobsync gc} against a blob provider: what it deletes, what it keeps, and the race
 * with a client that references an old blob while it runs. A subclass says how to configure
 * the provider. Time moves by giving the collector a clock 8 days ahead with a 7-day grace.
 */
public abstract class BlobCollectorContract {
    protected static final Duration GRACE = Duration.ofDays(7);
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    protected Path dir;

    private SyncEngine engine;
    private EngineConfig config;
    private DataProvider data;
    private BlobProvider blobs;

    /** A config file for device {@code device}, on a hub under {@code dir} and this provider. */
    protected abstract Path config(String device) throws Exception;

    @BeforeEach
    void open() throws Exception {
        config = ConfigLoader.load(config("a"));
        engine = SyncEngine.open(config);
        data = Providers.data(config.data(), config.schema());
        blobs = Providers.blobs(config.blobs());
    }

    @AfterEach
    void close() {
        for (AutoCloseable c : new AutoCloseable[] {engine, data, blobs}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // Closing what opened; the test's own failure matters more.
            }
        }
    }

    private static Clock at(Instant instant) {
        return Clock.fixed(instant, ZoneOffset.UTC);
    }

    private static Clock later() {
        return at(Instant.now().plus(Duration.ofDays(8)));
    }

    private BlobRef blob(long seed) {
        byte[] b = new byte[20_000];
        new Random(seed).nextBytes(b);
        return engine.putBlob(new ByteArrayInputStream(b), "image/jpeg", seed + ".jpg");
    }

    private Record photo(String title, BlobRef image) {
        return engine.table("photos").insert(Map.of("title", title, "takenAt", "2026-07-04T10:00:00Z",
                "familyId", "7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01", "image", image));
    }

    /** Stores {@code seed}'s bytes straight in the provider, referenced by nothing. */
    private String orphan(long seed) throws Exception {
        byte[] b = new byte[5000];
        new Random(seed).nextBytes(b);
        String key = dev.blobsync.engine.internal.Hashing.sha256(new ByteArrayInputStream(b));
        String token = blobs.beginUpload(key, b.length);
        blobs.append(key, token, 0, new ByteArrayInputStream(b), b.length);
        blobs.complete(key, token);
        return key;
    }

    private List<String> stored() throws Exception {
        List<String> keys = new ArrayList<>();
        blobs.listBlobs(b -> keys.add(b.key()));
        return keys;
    }

    private BlobCollector collector(Clock clock, LocalStore local) {
        return new BlobCollector(data, blobs, local, GRACE, clock);
    }

    @Test
    void deletesOldUnreferencedBlobsAndKeepsReferencedOnes() throws Exception {
        BlobRef kept = blob(1);
        BlobRef ofDeleted = blob(2);
        BlobRef replaced = blob(3);
        BlobRef replacement = blob(4);
        photo("Kept", kept);
        Record gone = photo("Gone", ofDeleted);
        Record edited = photo("Edited", replaced);
        assertThat(engine.flush(WAIT)).isTrue();
        engine.table("photos").delete(gone.id());
        engine.table("photos").update(edited.id(), Map.of("image", replacement));
        assertThat(engine.flush(WAIT)).isTrue();
        String orphan = orphan(5);

        BlobCollector.Report now = collector(Clock.systemUTC(), null).run(false);
        assertThat(now.deleted()).as("everything is younger than the grace period").isEmpty();
        assertThat(now.tombstonesKept()).as("deleted just now: its blob still counts").isEqualTo(1);
        assertThat(now.keptYoung()).as("the replaced image and the orphan").isEqualTo(2);

        BlobCollector.Report dry = collector(later(), null).run(true);
        assertThat(dry.deleted()).extracting(StoredBlob::key)
                .containsExactlyInAnyOrder(ofDeleted.sha256(), replaced.sha256(), orphan);
        assertThat(stored()).as("a dry run deletes nothing").contains(ofDeleted.sha256(), replaced.sha256(), orphan);

        BlobCollector.Report report = collector(later(), null).run(false);
        assertThat(report.deleted()).extracting(StoredBlob::key)
                .containsExactlyInAnyOrder(ofDeleted.sha256(), replaced.sha256(), orphan);
        assertThat(report.records()).isEqualTo(3);
        assertThat(stored()).containsExactlyInAnyOrder(kept.sha256(), replacement.sha256());
        assertThat(engine.blobState(kept)).isNotNull();
    }

    @Test
    void thisDevicesUnpushedChangesProtectTheirBlobs() throws Exception {
        String orphan = orphan(6);
        ObjectNode fields = new ObjectMapper().createObjectNode();
        fields.putObject("image").put("sha256", orphan).put("size", 5000).put("type", "image/jpeg");
        try (LocalStore offline = LocalStore.open(dir.resolve("offline-device").resolve("local.db"))) {
            offline.write(c -> {
                RecordStore.putPending(c, new PendingRow("photos", UUID.randomUUID(), 1, "m1", fields,
                        Set.of("image"), false, 0, false, 0, null, Instant.now(), java.util.Map.of(), java.util.Map.of(),
                        false));
                return null;
            });
            assertThat(collector(later(), offline).run(false).deleted()).isEmpty();
        }
        assertThat(collector(later(), null).run(false).deleted()).extracting(StoredBlob::key).containsExactly(orphan);
    }

    @Test
    void aClientReferencingAnOldBlobDuringTheRunKeepsIt() throws Exception {
        String orphan = orphan(7);
        BlobRef same = engine.putBlob(new ByteArrayInputStream(bytesOf(7)), "image/jpeg", "same.jpg");
        assertThat(same.sha256()).isEqualTo(orphan);
        // While gc lists the store, another client commits a record that uses the stored blob.
        BlobProvider racing = new ListingHook(blobs, () -> {
            photo("Same bytes", same);
            assertThat(engine.flush(WAIT)).isTrue();
        });
        BlobCollector.Report report = new BlobCollector(data, racing, null, GRACE, later()).run(false);
        assertThat(report.deleted()).isEmpty();
        assertThat(report.referencedAfterRecheck()).isEqualTo(1);
        assertThat(stored()).contains(orphan);
    }

    @Test
    void relyingOnAStoredBlobRestartsItsGracePeriod() throws Exception {
        String orphan = orphan(11);
        Instant stored = blobs.stat(orphan).orElseThrow().lastModified();
        Thread.sleep(1_100); // S3 keeps last-modified times to the second
        BlobRef same = engine.putBlob(new ByteArrayInputStream(bytesOf(11)), "image/jpeg", "again.jpg");
        assertThat(same.sha256()).isEqualTo(orphan);
        photo("Reuses stored bytes", same);
        assertThat(engine.flush(WAIT)).isTrue();
        Instant touched = blobs.stat(orphan).orElseThrow().lastModified();
        assertThat(touched).as("the upload found the blob stored and refreshed its age").isAfter(stored);

        // A collector that misses the new record (as in a race with it) still keeps the blob for a
        // whole grace period counted from when this device relied on it.
        try (DataProvider blind = dev.blobsync.engine.provider.sqlite.SqliteHubDataProvider.open(
                dir.resolve("hub-that-misses-it"))) {
            assertThat(new BlobCollector(blind, blobs, null, GRACE, at(touched.plus(GRACE).minusSeconds(3600)))
                    .run(false).deleted()).extracting(StoredBlob::key).doesNotContain(orphan);
        }
        assertThat(stored()).contains(orphan);
    }

    @Test
    void idleUploadSessionsAreAbortedAfterTheGracePeriod() throws Exception {
        int size = sessionSize();
        byte[] b = new byte[size];
        new Random(8).nextBytes(b);
        String key = dev.blobsync.engine.internal.Hashing.sha256(new ByteArrayInputStream(b));
        String token = blobs.beginUpload(key, size);
        blobs.append(key, token, 0, new ByteArrayInputStream(b, 0, size / 2), size / 2);
        assertThat(collector(Clock.systemUTC(), null).run(false).abortedUploads()).isEmpty();
        BlobCollector.Report report = collector(later(), null).run(false);
        assertThat(report.abortedUploads()).extracting(PendingUpload::key).containsExactly(key);
        assertThat(blobs.uploadedBytes(key, token)).isEqualTo(-1);
    }

    /** Size of an upload whose session the provider keeps server-side (S3: multipart). */
    protected int sessionSize() {
        return 100_000;
    }

    private static byte[] bytesOf(long seed) {
        byte[] b = new byte[5000];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Runs {@code hook} once, when the collector lists the blobs. */
    private static final class ListingHook implements BlobProvider {
        private final BlobProvider p;
        private Runnable hook;

        ListingHook(BlobProvider p, Runnable hook) {
            this.p = p;
            this.hook = hook;
        }

        @Override
        public void listBlobs(Consumer<StoredBlob> each) throws dev.blobsync.engine.spi.ProviderException {
            p.listBlobs(each);
            if (hook != null) {
                hook.run();
                hook = null;
            }
        }

        @Override
        public java.util.Optional<StoredBlob> stat(String key) throws dev.blobsync.engine.spi.ProviderException {
            return p.stat(key);
        }

        @Override
        public void listUploads(Consumer<PendingUpload> each) throws dev.blobsync.engine.spi.ProviderException {
            p.listUploads(each);
        }

        @Override
        public java.util.OptionalLong size(String key) throws dev.blobsync.engine.spi.ProviderException {
            return p.size(key);
        }

        @Override
        public java.io.InputStream read(String key, long offset, long length)
                throws dev.blobsync.engine.spi.ProviderException {
            return p.read(key, offset, length);
        }

        @Override
        public String beginUpload(String key, long size) throws dev.blobsync.engine.spi.ProviderException {
            return p.beginUpload(key, size);
        }

        @Override
        public long uploadedBytes(String key, String token) throws dev.blobsync.engine.spi.ProviderException {
            return p.uploadedBytes(key, token);
        }

        @Override
        public void append(String key, String token, long offset, java.io.InputStream data, long length)
                throws dev.blobsync.engine.spi.ProviderException {
            p.append(key, token, offset, data, length);
        }

        @Override
        public void complete(String key, String token) throws dev.blobsync.engine.spi.ProviderException {
            p.complete(key, token);
        }

        @Override
        public void abort(String key, String token) throws dev.blobsync.engine.spi.ProviderException {
            p.abort(key, token);
        }

        @Override
        public void delete(String key) throws dev.blobsync.engine.spi.ProviderException {
            p.delete(key);
        }

        @Override
        public String describe() {
            return p.describe();
        }

        @Override
        public void close() {
            // The wrapped provider is closed by the test.
        }
    }
}

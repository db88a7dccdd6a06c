package dev.blobsync.examples;

import dev.blobsync.engine.CacheStats;
import dev.blobsync.engine.FlushResult;
import dev.blobsync.engine.PendingItem;
import dev.blobsync.engine.PendingWrite;
import dev.blobsync.engine.Query;
import dev.blobsync.engine.QueryResult;
import dev.blobsync.engine.Record;
import dev.blobsync.engine.Subscription;
import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.Table;
import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.event.Offline;
import dev.blobsync.engine.event.Online;
import dev.blobsync.engine.event.SyncError;
import dev.blobsync.engine.event.UploadComplete;
import dev.blobsync.engine.event.UploadProgress;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The RFC's snippets, one after the other, with blobsync as a library (no mount): configuration,
 * events, a live query with blob URLs, insert with image and audio, update, cache stats, the
 * offline queue, a second device on the same hub, delete. Prints what happens at each step.
 *
 * <p>Usage: {@code RfcExample [HUB]}: runs against the embedded default in the folder
 * {@code HUB} (created when missing, kept), or in a temporary one that is removed afterwards.
 */
public final class RfcExample {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final String CONFIG = """
            # createSyncEngine({...}): the RFC's sections, for the embedded default.
            data:
              provider: sqlite              # records: the hub's SQLite file
              config: { hub: "%1$s" }
            blobs:
              provider: filesystem          # blobs: the hub's content-addressed folder
              config: { hub: "%1$s" }
            cache:
              directory: "%2$s"
              maxSize: 500MB
              eviction: lru
              prefetch: { enabled: true, strategy: visible }
            offline:
              queueMutations: true
              queueUploads: true
              resumableUploads: true
              maxQueueSize: 1GB
              conflictResolution: last-write-wins
              retryStrategy: { maxAttempts: 5, backoff: exponential }
              uploadDelay: 200ms
            sync:
              pollInterval: 300ms
            schema:
              photos:
                id: uuid
                title: string
                takenAt: datetime
                familyId: uuid
                image: { type: blob, mimeTypes: ['image/*'] }
                audio: { type: blob, mimeTypes: ['audio/*'], optional: true }
            """;

    private final PrintStream out;
    private final Path work;
    private final Path hub;
    private final BlockingQueue<QueryResult> deliveries = new LinkedBlockingQueue<>();

    private RfcExample(PrintStream out, Path work, Path hub) {
        this.out = out;
        this.work = work;
        this.hub = hub;
    }

    public static void main(String[] args) throws Exception {
        run(args, System.out);
    }

    /** Runs the example, printing to {@code out}; throws when a step does not turn out as the RFC says. */
    public static void run(String[] args, PrintStream out) throws Exception {
        if (args.length > 1 || Arrays.asList(args).contains("--help")) {
            out.println("usage: RfcExample [HUB]   (a temporary hub when none is given)");
            return;
        }
        Path work = Files.createTempDirectory("blobsync-example-");
        Path hub = args.length == 1 ? Path.of(args[0]).toAbsolutePath() : work.resolve("hub");
        try {
            Files.createDirectories(hub);
            new RfcExample(out, work, hub).steps();
        } finally {
            deleteTree(work);
        }
    }

    private void steps() throws Exception {
        step(1, "Configuration: createSyncEngine({data, blobs, cache, offline, schema})");
        try (SyncEngine sync = open("this-device")) {
            out.println("engine open: hub " + hub);
            UUID familyId = UUID.randomUUID();
            Table photos = sync.table("photos");

            step(2, "Events: sync.on('online' | 'uploadProgress' | 'uploadComplete' | 'syncError')");
            sync.on(Online.class, e -> out.println("  [event] online: " + e.provider()));
            sync.on(Offline.class, e -> out.println("  [event] offline: " + e.reason()));
            sync.on(UploadProgress.class, e -> out.printf("  [event] uploadProgress %s %.0f%%%n",
                    shortSha(e.id()), e.progress() * 100));
            sync.on(UploadComplete.class, e -> out.println("  [event] uploadComplete " + shortSha(e.id()) + " "
                    + e.url()));
            sync.on(SyncError.class, e -> out.println("  [event] syncError " + e.operation() + ": " + e.error()));
            out.println("listening to events");

            step(3, "Live query: useSync(sync.photos.where({familyId}), {includeBlobs, refreshUrls})");
            Query query = photos.where(Map.of("familyId", familyId))
                    .orderBy("takenAt")
                    .includeBlobs("image", "audio")
                    .refreshUrls(true);
            try (Subscription live = query.subscribe(deliveries::add)) {
                show(await("the first result", r -> true));

                step(4, "Insert with image and audio: sync.photos.insert({...})");
                Path beach = file("beach.jpg", 40_000, 1);
                PendingWrite insert = photos.insertAsync(Map.of("title", "Beach Day", "takenAt", Instant.now(),
                        "familyId", familyId, "image", beach, "audio", file("waves.m4a", 20_000, 2)));
                Record optimistic = insert.record();
                out.println("insert returned at once: " + optimistic.get("title") + ", state "
                        + label(optimistic) + " (stored locally, upload queued)");
                QueryResult withBeach = await("the insert", r -> titles(r).contains("Beach Day"));
                show(withBeach);
                URI imageUrl = withBeach.blobUrl(optimistic.id(), "image");
                byte[] viaUrl;
                try (InputStream in = imageUrl.toURL().openStream()) {
                    viaUrl = in.readAllBytes();
                }
                out.println("blobUrls[id].image reads " + viaUrl.length + " bytes, "
                        + (Arrays.equals(viaUrl, Files.readAllBytes(beach)) ? "the same as written" : "DIFFERENT"));
                Record synced = insert.synced().get(WAIT.toSeconds(), TimeUnit.SECONDS);
                out.println("insert synced: rev " + synced.rev() + ", state " + label(synced));

                step(5, "Update a blob: sync.photos.update(photo.id, {audio: newAudioFile})");
                Path laughter = file("laughter.m4a", 25_000, 3);
                PendingWrite update = photos.updateAsync(optimistic.id(), Map.of("audio", laughter));
                out.println("update returned at once: audio is now " + update.record().blob("audio").name());
                Record updated = update.synced().get(WAIT.toSeconds(), TimeUnit.SECONDS);
                out.println("update synced: rev " + updated.rev());
                show(await("the new audio", r -> r.data().stream().anyMatch(x -> x.blob("audio") != null
                        && "laughter.m4a".equals(x.blob("audio").name()) && x.rev() == updated.rev())));

                step(6, "Cache: sync.cache.stats()");
                CacheStats stats = sync.cache().stats();
                out.printf("used %d bytes, available %d bytes, items %d, pending uploads %d%n", stats.used(),
                        stats.available(), stats.items(), stats.pending());

                step(7, "Offline queue: sync.offline.pending(), then flush()");
                photos.insert(Map.of("title", "Picnic", "takenAt", Instant.now(), "familyId", familyId,
                        "image", file("picnic.jpg", 30_000, 4)));
                List<PendingItem> pending = sync.offline().pending();
                out.println("pending: " + pending.size() + " item(s)");
                for (PendingItem p : pending) {
                    out.println("  " + p.type() + " " + (p.name() != null ? p.name() : p.id())
                            + (p.size() > 0 ? " " + p.size() + " bytes" : "") + ", " + p.state());
                }
                FlushResult flushed = sync.offline().flush(WAIT, s -> { });
                out.println("flush: " + (flushed.complete() ? "everything synced" : "left " + flushed.left()));

                step(8, "Another device on the same hub");
                try (SyncEngine other = open("other-device")) {
                    Table otherPhotos = other.table("photos");
                    List<Record> seen = waitFor(() -> otherPhotos.where("familyId", familyId).orderBy("title").list(),
                            l -> l.size() == 2);
                    out.println("the other device sees: " + seen.stream().map(r -> (String) r.get("title")).toList());
                    Record picnic = seen.stream().filter(r -> "Picnic".equals(r.get("title"))).findFirst()
                            .orElseThrow();
                    otherPhotos.update(picnic.id(), Map.of("title", "Picnic by the lake"));
                    other.flush(WAIT);
                    QueryResult remote = await("the other device's edit", r -> titles(r).contains("Picnic by the lake"));
                    out.println("its edit reaches this device's live query:");
                    show(remote);
                }

                step(9, "Delete: sync.photos.delete(photo.id)");
                photos.deleteAsync(optimistic.id()).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                out.println("delete synced");
                show(await("the delete", r -> !titles(r).contains("Beach Day")));
            }
        }
        out.println("done");
    }

    private SyncEngine open(String device) throws IOException {
        Path config = work.resolve(device + ".yaml");
        Files.writeString(config, String.format(CONFIG, hub, work.resolve("cache-" + device)));
        return SyncEngine.open(ConfigLoader.load(config));
    }

    private void step(int n, String what) {
        out.println();
        out.println("== " + n + ". " + what + " ==");
    }

    private QueryResult await(String what, Predicate<QueryResult> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            QueryResult r = deliveries.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (r == null) {
                throw new IllegalStateException("the live query delivered no result with " + what + " within " + WAIT);
            }
            if (wanted.test(r)) {
                return r;
            }
        }
    }

    private static <T> T waitFor(java.util.function.Supplier<T> read, Predicate<T> done) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        T value = read.get();
        while (!done.test(value)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("still " + value + " after " + WAIT);
            }
            Thread.sleep(100);
            value = read.get();
        }
        return value;
    }

    private void show(QueryResult r) {
        out.println("useSync -> " + r.data().size() + " photo(s), isLoading " + r.isLoading() + ", error "
                + (r.error() == null ? "none" : r.error().getMessage()));
        for (Record p : r.data()) {
            out.println("  " + p.get("title") + " [" + label(p) + "]");
            r.blobUrls().get(p.id()).forEach((field, url) -> out.println("    " + field + ": " + url));
        }
    }

    private static List<String> titles(QueryResult r) {
        return r.data().stream().map(x -> (String) x.get("title")).toList();
    }

    private static String label(Record r) {
        return r.state().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String shortSha(String sha) {
        return sha.substring(0, 8) + "…";
    }

    private Path file(String name, int size, long seed) throws IOException {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        Path p = work.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> paths;
        try (Stream<Path> s = Files.walk(dir)) {
            paths = new ArrayList<>(s.sorted(Comparator.reverseOrder()).toList());
        }
        for (Path p : paths) {
            Files.deleteIfExists(p);
        }
    }
}

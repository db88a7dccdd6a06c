package dev.blobsync.engine;

import dev.blobsync.engine.config.EngineConfig;
import dev.blobsync.engine.event.EngineEvent;
import dev.blobsync.engine.schema.Schema;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The sync engine: records with blob fields, stored locally first and synced with a data
 * provider and a blob provider in the background.
 *
 * <p>Create one per local store with {@link #open(EngineConfig)} and close it when done. All
 * methods are thread-safe. Writes return at once with the optimistic result; the engine pushes
 * them (blobs first, then the records that reference them) and pulls remote changes.
 */
public interface SyncEngine extends AutoCloseable {

    /** Opens the local store named by {@code config} and starts syncing. */
    static SyncEngine open(EngineConfig config) {
        return DefaultSyncEngine.open(config);
    }

    EngineConfig config();

    Schema schema();

    /** The table named {@code name}; {@link NotFoundException} when the schema has none. */
    Table table(String name);

    /**
     * Stores the bytes of {@code file} as a blob: hashed and kept in the local cache. Its upload is
     * queued by the record change that refers to it ({@link Table#insert}, {@link Table#update}),
     * so bytes no record takes are never uploaded. With {@code move} the file is moved into the
     * cache instead of copied; it must then live in {@link #stagingDirectory()}, and when this
     * fails it stays there. Fails with {@link QuotaExceededException}, saying which limit, when the
     * upload queue or the cache's disk has no room.
     *
     * <p>A blob stored here that no record change refers to is removed at the next start, or at
     * once by {@link #discardBlob}.
     */
    BlobRef putBlob(Path file, String type, String name, boolean move);

    /** Stores the bytes of {@code in} as a blob, like {@link #putBlob(Path, String, String, boolean)}. */
    BlobRef putBlob(InputStream in, String type, String name);

    /**
     * Gives up a blob stored with {@link #putBlob} for a write that then failed: unless another
     * write holds or a record refers to the same bytes, it leaves the cache now, so a failed write
     * keeps no room. Harmless for a blob that is referenced.
     */
    void discardBlob(BlobRef ref);

    /**
     * Opens a blob for reading, fetching it from the blob provider when it is not cached.
     * Fails with {@link OfflineException} when it is neither cached nor reachable.
     */
    BlobReader openBlob(BlobRef ref);

    /**
     * A URL that reads the blob's bytes: a local {@code file:} URL while the whole blob is in
     * this device's cache, else one from the blob provider (for S3 a presigned GET URL, reused
     * while enough of its lifetime is left and signed anew before it expires). Empty when the
     * blob is not cached and the provider hands out no URLs (and from engines that do not
     * implement it, such as test doubles). Does not fetch the blob.
     *
     * @throws OfflineException when the provider must be asked (presign endpoint) and cannot be
     */
    default Optional<URI> blobUrl(BlobRef ref) {
        return Optional.empty();
    }

    /** Where the blob stands on this device (cached, remote, queued for upload, …). */
    BlobState blobState(BlobRef ref);

    /**
     * Like {@link #blobUrl(BlobRef)}, with when the URL stops working, so that a holder can ask
     * again in time (see {@link BlobUrl#refreshAt}); live queries use it to re-deliver before a
     * presigned URL expires. The default wraps {@link #blobUrl(BlobRef)} as never expiring.
     *
     * @throws OfflineException when the provider must be asked (presign endpoint) and cannot be
     */
    default Optional<BlobUrl> blobUrlWithExpiry(BlobRef ref) {
        return blobUrl(ref).map(BlobUrl::lasting);
    }

    /** Listens to record changes, local and remote. Listeners run on an engine thread. */
    void addListener(ChangeListener listener);

    void removeListener(ChangeListener listener);

    /**
     * Listens to events of {@code type} (for example {@code UploadProgress.class}). Listeners run
     * on the engine's events thread and must not block for long; close the returned handle to
     * stop.
     */
    <E extends EngineEvent> Subscription on(Class<E> type, Consumer<? super E> listener);

    /** The queue of uploads and record changes waiting to be synced. */
    OfflineQueue offline();

    /**
     * The conflicts this device met, newest first, each with both versions: the one that did not
     * win stays retrievable here (and in the mount's {@code .blobsync/conflicts/}); open ones
     * (policy {@code manual}) too.
     */
    default java.util.List<ConflictVersion> conflicts(int limit) {
        return java.util.List.of();
    }

    /**
     * The conflicts waiting for a choice (policy {@code manual}), oldest first: both versions of
     * each are kept, and the record shows this device's version with state
     * {@link RecordState#CONFLICT} until {@link #resolveConflict} settles it.
     */
    default java.util.List<ConflictVersion> openConflicts() {
        return java.util.List.of();
    }

    /** The open conflict of one record, if it has one. */
    default Optional<ConflictVersion> openConflict(String table, java.util.UUID id) {
        return Optional.empty();
    }

    /**
     * Settles the open conflict of one record for {@code fields} (all its fields in conflict
     * when empty), blob fields included: {@link ConflictChoice#KEEP_MINE} pushes this device's
     * values again with a new clock, {@link ConflictChoice#TAKE_THEIRS} drops them for the other
     * device's. The record stays in conflict while fields are left. The version not chosen
     * stays in {@link #conflicts(int)}.
     *
     * @throws NotFoundException when the record has no open conflict
     * @throws InvalidException  when a field named is not in conflict
     */
    default void resolveConflict(String table, java.util.UUID id, ConflictChoice choice,
                                 java.util.Set<String> fields) {
        throw new NotFoundException("Record " + id + " of table '" + table + "' has no open conflict.");
    }

    /** Settles the whole open conflict of one record; see {@link #resolveConflict(String, java.util.UUID, ConflictChoice, java.util.Set)}. */
    default void resolveConflict(String table, java.util.UUID id, ConflictChoice choice) {
        resolveConflict(table, id, choice, java.util.Set.of());
    }

    /**
     * This device's name ({@code sync.device}, else made from the host name once per cache
     * folder): part of its clocks, and what other devices call their conflict copies of its
     * version.
     */
    default String device() {
        return "device";
    }

    /** The local blob cache: stats, priorities and pins, prefetch, eviction. */
    CacheControl cache();

    /**
     * Whether this device has ever caught up with the data provider's change feed, and how many
     * records the pull has brought since the engine opened. The default (for engines such as
     * test doubles) is a device that has caught up.
     */
    default PullState pullState() {
        return new PullState(true, 0);
    }

    /**
     * Waits until this device has caught up with the data provider at least once, the provider is
     * found unreachable, or {@code timeout} passes, and returns the state then. A device that
     * caught up before (in an earlier run too) returns at once, also when offline.
     */
    default PullState awaitCaughtUp(Duration timeout) {
        return pullState();
    }

    /** Asks the sync loop to push and pull now, without waiting. */
    void syncNow();

    /**
     * Pushes every pending change and upload and pulls, waiting up to {@code timeout}.
     *
     * @return true when nothing valid is left to push (drafts do not count)
     */
    boolean flush(Duration timeout);

    /** A folder for front ends' local-only files (scratch files); kept across restarts. */
    Path scratchDirectory();

    /** A folder on the cache's file system for writing new blobs before {@link #putBlob}. */
    Path stagingDirectory();

    /** Stops syncing and closes the local store. Pending changes stay queued for next time. */
    @Override
    void close();
}

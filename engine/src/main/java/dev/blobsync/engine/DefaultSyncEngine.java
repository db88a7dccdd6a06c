package dev.blobsync.engine;

import dev.blobsync.engine.cache.BlobCache;
import dev.blobsync.engine.config.ConfigSecrets;
import dev.blobsync.engine.config.EngineConfig;
import dev.blobsync.engine.event.CacheEviction;
import dev.blobsync.engine.event.EngineEvent;
import dev.blobsync.engine.event.EventBus;
import dev.blobsync.engine.internal.FileModes;
import dev.blobsync.engine.live.LiveQueries;
import dev.blobsync.engine.live.Scheduler;
import dev.blobsync.engine.provider.Providers;
import dev.blobsync.engine.schema.Schema;
import dev.blobsync.engine.schema.TableSchema;
import dev.blobsync.engine.spi.BlobProvider;
import dev.blobsync.engine.spi.DataProvider;
import dev.blobsync.engine.spi.PresignedUrl;
import dev.blobsync.engine.spi.Hlc;
import dev.blobsync.engine.spi.ProviderException;
import dev.blobsync.engine.store.LocalStore;
import dev.blobsync.engine.sync.HybridClock;
import dev.blobsync.engine.sync.SyncLoop;
import dev.blobsync.engine.upload.Uploader;
import dev.blobsync.engine.url.BlobUrls;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind {@link SyncEngine}: wires the local store, the blob cache, the uploader
 * and the sync loop to the configured providers.
 *
 * <p>Only one engine may use a cache folder at a time; a lock file enforces it, because two
 * writers of one outbox would push each other's changes twice.
 */
final class DefaultSyncEngine implements SyncEngine {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultSyncEngine.class);

    private final EngineConfig config;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final LocalStore store;
    private final DataProvider data;
    private final BlobProvider blobs;
    private final BlobCache cache;
    private final EventBus events = new EventBus();
    private final SyncLoop sync;
    private final Uploader uploader;
    private final DefaultOfflineQueue offline;
    private final DefaultCacheControl cacheControl;
    private final Map<String, DefaultTable> tables = new LinkedHashMap<>();
    private final Path scratch;
    private final BlobUrls urls;
    private final SyncWaiters waiters;
    private final LiveQueries live;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final String device;
    private final HybridClock hlc;
    private final ConflictDesk conflictDesk;

    /** The local store key of the last clock issued, so clocks keep increasing across restarts. */
    static final String HLC_KEY = "hlc.last";

    /** The time live queries renew blob URLs by; tests pass a fake clock and scheduler. */
    record Timing(Clock clock, Scheduler scheduler) {
        static Timing system() {
            return new Timing(Clock.systemUTC(), Scheduler.system("blobsync-url-refresh"));
        }
    }

    private DefaultSyncEngine(EngineConfig config, FileChannel lockChannel, FileLock lock, LocalStore store,
                              DataProvider data, BlobProvider blobs, Timing timing) {
        this.config = config;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.store = store;
        this.data = data;
        this.blobs = blobs;
        Path dir = config.cache().directory();
        this.cache = new BlobCache(dir, store, blobs, config.cache(), config.offline().maxQueueSize(), events);
        this.scratch = dir.resolve("scratch");
        this.device = DeviceIdentity.of(store, config.sync());
        this.hlc = new HybridClock(device, timing.clock());
        String last = store.kv(HLC_KEY);
        if (last != null) {
            hlc.restore(Hlc.parse(last));
        }
        this.sync = new SyncLoop(store, data, config.offline().conflictResolution(), config.sync().pollInterval(),
                events, hlc);
        this.uploader = new Uploader(store, blobs, cache, config.offline(), events, sync::trigger);
        // URLs expire by the engine's clock, so a test's fake clock ages them too.
        this.urls = timing.clock().equals(Clock.systemUTC()) ? BlobUrls.system(blobs::presignGet)
                : new BlobUrls(blobs::presignGet, timing.clock(),
                        () -> java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(timing.clock().millis()));
        this.offline = new DefaultOfflineQueue(store, uploader, sync, config.offline().maxQueueSize());
        cache.blobsOnline(uploader::online);
        cache.onUnreachable(uploader::reportUnreachable);
        for (TableSchema ts : config.schema().tables().values()) {
            tables.put(ts.name(), new DefaultTable(this, ts, store, timing.clock(), hlc));
        }
        this.cacheControl = new DefaultCacheControl(this, store, cache, config.cache());
        events.addChangeListener(cacheControl);
        this.waiters = new SyncWaiters(store, config.schema().tables(), events,
                config.offline().conflictResolution().configValue());
        this.conflictDesk = new ConflictDesk(store, config.schema().tables(), hlc, events);
        events.addChangeListener(waiters);
        this.live = new LiveQueries(this::blobUrlWithExpiry, events, timing.clock(), timing.scheduler(),
                () -> !sync.pulledOnce());
        events.addChangeSink(live::recordChanged);
        events.subscribe(CacheEviction.class, e -> live.blobsEvicted(e.items()));
        sync.onFirstPull(live::loaded);
    }

    static SyncEngine open(EngineConfig config) {
        return open(config, p -> p);
    }

    static SyncEngine open(EngineConfig config, java.util.function.UnaryOperator<BlobProvider> wrap) {
        return open(config, wrap, null);
    }

    /**
     * Opens an engine whose blob provider is wrapped by {@code wrap}: tests use it to count
     * what crosses the provider boundary.
     */
    static SyncEngine open(EngineConfig config, java.util.function.UnaryOperator<BlobProvider> wrap, Timing timing) {
        return open(config, wrap, timing, d -> d);
    }

    /** Like {@link #open(EngineConfig, java.util.function.UnaryOperator, Timing)}, with the data provider wrapped too. */
    static SyncEngine open(EngineConfig config, java.util.function.UnaryOperator<BlobProvider> wrap, Timing timing,
                           java.util.function.UnaryOperator<DataProvider> wrapData) {
        Path dir = config.cache().directory();
        FileChannel lockChannel = null;
        LocalStore store = null;
        DataProvider data = null;
        BlobProvider blobs = null;
        try {
            ConfigSecrets.warning(config).ifPresent(LOG::warn);
            // The cache is this user's alone: its database, blobs and scratch files.
            for (Path d : java.util.List.of(dir, dir.resolve("scratch"))) {
                FileModes.PRIVATE.createDirectories(d);
                FileModes.PRIVATE.restrictDirectory(d);
            }
            lockChannel = FileChannel.open(FileModes.PRIVATE.createFile(dir.resolve(".lock")), StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new StorageException("The cache folder " + dir + " is in use by another running blobsync"
                        + " (a mount or an app). Stop that one first, or give this one its own cache.directory.");
            }
            store = LocalStore.open(dir.resolve("local.db"));
            data = wrapData.apply(Providers.data(config.data(), config.schema()));
            blobs = wrap.apply(Providers.blobs(config.blobs()));
            DefaultSyncEngine engine = new DefaultSyncEngine(config, lockChannel, lock, store, data, blobs,
                    timing != null ? timing : Timing.system());
            engine.sync.start();
            engine.uploader.start();
            engine.cacheControl.start();
            return engine;
        } catch (IOException | ProviderException | RuntimeException e) {
            if (blobs != null) {
                blobs.close();
            }
            if (data != null) {
                data.close();
            }
            if (store != null) {
                store.close();
            }
            closeQuietly(lockChannel);
            if (e instanceof EngineException ee) {
                throw ee;
            }
            if (e instanceof dev.blobsync.engine.config.ConfigException ce) {
                throw ce;
            }
            throw new StorageException("Cannot start blobsync with " + config.source() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public EngineConfig config() {
        return config;
    }

    @Override
    public Schema schema() {
        return config.schema();
    }

    @Override
    public Table table(String name) {
        DefaultTable t = tables.get(name);
        if (t == null) {
            throw new NotFoundException("No table '" + name + "' in the schema. Tables: "
                    + String.join(", ", tables.keySet()) + ".");
        }
        return t;
    }

    @Override
    public BlobRef putBlob(Path file, String type, String name, boolean move) {
        BlobRef ref = cache.put(file, type, name, move);
        uploader.wake();
        return ref;
    }

    @Override
    public BlobRef putBlob(InputStream in, String type, String name) {
        BlobRef ref = cache.put(in, type, name);
        uploader.wake();
        return ref;
    }

    @Override
    public void discardBlob(BlobRef ref) {
        cache.discard(ref);
    }

    /** Called by tables once a record change that refers to these blobs has committed. */
    void blobsReferenced(java.util.Collection<BlobRef> refs) {
        refs.forEach(cache::referenced);
    }

    @Override
    public BlobReader openBlob(BlobRef ref) {
        return cache.open(ref);
    }

    @Override
    public Optional<URI> blobUrl(BlobRef ref) {
        return blobUrlWithExpiry(ref).map(BlobUrl::uri);
    }

    /**
     * A {@code file:} URL of the cached copy while the whole blob is cached; else a presigned URL
     * from the provider, from {@link BlobUrls} (reused while enough of its lifetime is left);
     * else the provider's lasting URL of it, if it has one.
     */
    @Override
    public Optional<BlobUrl> blobUrlWithExpiry(BlobRef ref) {
        if (ref.size() == 0) {
            // The empty blob is never uploaded: its bytes are known.
            return Optional.of(BlobUrl.lasting(URI.create("data:" + ref.type() + ",")));
        }
        Path local = cache.pathOf(ref.sha256());
        if (Files.isRegularFile(local)) {
            return Optional.of(BlobUrl.lasting(local.toUri()));
        }
        try {
            Optional<PresignedUrl> signed = urls.getSigned(ref.sha256());
            if (signed.isPresent()) {
                return Optional.of(new BlobUrl(signed.get().uri(), signed.get().expiresAt()));
            }
        } catch (ProviderException e) {
            throw new OfflineException("No URL for blob " + ref.sha256() + ": " + blobs.describe()
                    + " did not sign one (" + e.getMessage() + ")", e);
        }
        return blobs.urlOf(ref.sha256()).map(u -> BlobUrl.lasting(URI.create(u)));
    }

    @Override
    public BlobState blobState(BlobRef ref) {
        return cache.state(ref);
    }

    @Override
    public void addListener(ChangeListener listener) {
        events.addChangeListener(listener);
    }

    @Override
    public void removeListener(ChangeListener listener) {
        events.removeChangeListener(listener);
    }

    @Override
    public <E extends EngineEvent> Subscription on(Class<E> type, Consumer<? super E> listener) {
        return events.subscribe(type, listener);
    }

    @Override
    public OfflineQueue offline() {
        return offline;
    }

    @Override
    public java.util.List<ConflictVersion> conflicts(int limit) {
        return conflictDesk.recent(limit);
    }

    @Override
    public java.util.List<ConflictVersion> openConflicts() {
        return conflictDesk.open();
    }

    @Override
    public Optional<ConflictVersion> openConflict(String table, UUID id) {
        table(table);
        return conflictDesk.open(table, id);
    }

    @Override
    public void resolveConflict(String table, UUID id, ConflictChoice choice, java.util.Set<String> fields) {
        table(table);
        conflictDesk.resolve(table, id, choice, fields);
        sync.trigger();
    }

    @Override
    public String device() {
        return device;
    }

    @Override
    public CacheControl cache() {
        return cacheControl;
    }

    SyncWaiters waiters() {
        return waiters;
    }

    LiveQueries liveQueries() {
        return live;
    }

    java.util.Optional<Table> findTable(String name) {
        return java.util.Optional.ofNullable(tables.get(name));
    }

    @Override
    public void syncNow() {
        uploader.wake();
        sync.trigger();
    }

    @Override
    public PullState pullState() {
        return new PullState(sync.caughtUp(), sync.received());
    }

    @Override
    public PullState awaitCaughtUp(Duration timeout) {
        try {
            sync.awaitCaughtUp(System.nanoTime() + timeout.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return pullState();
    }

    @Override
    public boolean flush(Duration timeout) {
        return offline.flush(timeout, stats -> { }).complete();
    }

    @Override
    public Path scratchDirectory() {
        return scratch;
    }

    @Override
    public Path stagingDirectory() {
        return cache.stagingDirectory();
    }

    /** Called by tables after a local write commits. */
    void changed(String table, UUID id) {
        events.recordChanged(table, id);
        sync.trigger();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        live.close();
        waiters.close();
        cacheControl.close();
        uploader.close();
        sync.close();
        events.close();
        blobs.close();
        data.close();
        cache.close();
        QueueStats left = offline.stats();
        if (!left.empty() || left.drafts() > 0) {
            LOG.info("Stopped with {} record change(s), {} upload(s) ({} bytes) and {} draft(s) kept; they"
                    + " continue on the next start.", left.changes(), left.uploads(), left.uploadBytes(), left.drafts());
        }
        store.close();
        try {
            lock.release();
        } catch (IOException ignored) {
            // Closing the channel releases it as well.
        }
        closeQuietly(lockChannel);
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // Nothing to do about a lock file that does not close.
            }
        }
    }
}

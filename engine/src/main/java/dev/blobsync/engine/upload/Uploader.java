package dev.blobsync.engine.upload;

import dev.blobsync.engine.cache.BlobCache;
import dev.blobsync.engine.config.OfflineConfig;
import dev.blobsync.engine.event.EventBus;
import dev.blobsync.engine.event.Offline;
import dev.blobsync.engine.event.Online;
import dev.blobsync.engine.event.SyncError;
import dev.blobsync.engine.event.UploadComplete;
import dev.blobsync.engine.event.UploadProgress;
import dev.blobsync.engine.internal.LogLimiter;
import dev.blobsync.engine.spi.BlobProvider;
import dev.blobsync.engine.spi.ProviderException;
import dev.blobsync.engine.store.BlobIndex;
import dev.blobsync.engine.store.LocalStore;
import dev.blobsync.engine.store.UploadRow;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads queued blobs through the provider's resumable sessions: a dispatcher thread picks
 * due uploads, at most {@code offline.uploadConcurrency} run at once on a fixed pool.
 *
 * <ul>
 *   <li>The session token is stored before the first byte is sent, so after a crash the upload
 *       continues from the provider's offset, never from zero. A session whose token cannot be
 *       stored is abandoned at once, so it leaves nothing at the provider.
 *   <li>A blob waits {@code offline.uploadDelay} before its upload starts, and only blobs a
 *       record change or draft refers to are uploaded ({@code BlobIndex}'s queue): a save storm
 *       uploads the final bytes once, and the versions it replaced never take a place of one
 *       that counts. Their rows are removed (and their sessions abandoned) at start and every
 *       few seconds; each blob stays dirty in the cache and is queued again if a record refers
 *       to it later.
 *   <li>A failed upload stays queued and is retried with backoff, kept in memory as well, so a
 *       failure that cannot even be recorded (a full disk) never turns into a loop; after
 *       {@code maxAttempts} it waits for {@link #retryNow()} (flush, or the provider coming back)
 *       and is never dropped. Repeated failures are logged a few times, then once a minute.
 *   <li>While the provider is unreachable a probe asks it now and then; when it answers, every
 *       queued upload is retried at once. An idle uploader checks the provider every
 *       {@link #IDLE_CHECK}, and a fetch that cannot reach it ({@link #reportUnreachable}) counts
 *       as well, so {@link #online()} does not claim a store is there when it is not.
 * </ul>
 */
public final class Uploader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Uploader.class);
    static final long CHUNK = 8L << 20;
    /** How long an idle, online uploader goes without asking the provider whether it is there. */
    static final Duration IDLE_CHECK = Duration.ofSeconds(15);
    private static final long SWEEP_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** Failed attempts of one upload and when the next may start, as this process knows them. */
    private record Retry(int attempts, long notBefore) {
    }

    private final LocalStore store;
    private final BlobProvider provider;
    private final BlobCache cache;
    private final OfflineConfig config;
    private final EventBus events;
    private final Runnable onUploaded;
    private final Thread dispatcher;
    private final ExecutorService workers;
    private final Map<String, AtomicLong> inFlight = new ConcurrentHashMap<>();
    private final AtomicInteger probeFailures = new AtomicInteger();
    /** Retryable failures since the last success; the provider counts as offline from 3 on. */
    private final AtomicInteger failuresInARow = new AtomicInteger();
    private final Map<String, Retry> retries = new ConcurrentHashMap<>();
    private final LogLimiter logLimit = LogLimiter.standard();
    private volatile long lastContact = System.nanoTime();
    private long lastSweep; // dispatcher thread only
    private boolean swept; // dispatcher thread only
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private boolean woken; // guarded by lock
    private volatile boolean running = true;
    private volatile boolean online = true;

    public Uploader(LocalStore store, BlobProvider provider, BlobCache cache, OfflineConfig config, EventBus events,
                    Runnable onUploaded) {
        this.store = store;
        this.provider = provider;
        this.cache = cache;
        this.config = config;
        this.events = events;
        this.onUploaded = onUploaded;
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(config.uploadConcurrency(), r -> {
            Thread t = new Thread(r, "blobsync-upload-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.dispatcher = new Thread(this::loop, "blobsync-upload");
        this.dispatcher.setDaemon(true);
    }

    public void start() {
        dispatcher.start();
    }

    /** Whether the blob provider answered the last call. */
    public boolean online() {
        return online;
    }

    /** Bytes of in-flight uploads already at the provider. */
    public long sentBytes() {
        return inFlight.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** Bytes of blob {@code sha} at the provider while it uploads, or -1 when it is not uploading. */
    public long sentBytes(String sha) {
        AtomicLong a = inFlight.get(sha);
        return a == null ? -1 : a.get();
    }

    /** Looks at the queue now instead of at the next tick. */
    public void wake() {
        lock.lock();
        try {
            woken = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Makes every queued upload due now, also those that used up their attempts. */
    public void retryNow() {
        retries.clear();
        store.write(c -> {
            BlobIndex.makeUploadsDue(c);
            return null;
        });
        probeFailures.set(0);
        wake();
    }

    /**
     * A fetch found the provider unreachable ({@code reason} in words): it shows offline until a
     * probe reaches it again.
     */
    public void reportUnreachable(String reason) {
        setOnline(false, reason);
        wake();
    }

    private void loop() {
        while (running) {
            long pause = 500;
            try {
                sweepReplaced();
                if (!online && !probe()) {
                    pause = Math.max(200, probeDelay().toMillis());
                } else {
                    dispatch();
                    checkWhileIdle();
                }
            } catch (RuntimeException e) {
                String more = logLimit.admit("queue");
                if (more != null) {
                    LOG.warn("The upload queue could not be read: {}{}", e.toString(), more);
                }
                pause = 2000;
            }
            sleep(pause);
        }
    }

    /**
     * Removes upload rows nothing refers to any more (an editor's replaced saves, a change that
     * lost its conflict), abandoning their sessions at the provider first: at start, then every
     * few seconds.
     */
    private void sweepReplaced() {
        long now = System.nanoTime();
        if (swept && now - lastSweep < SWEEP_EVERY_NANOS) {
            return;
        }
        swept = true;
        lastSweep = now;
        for (UploadRow row : store.read(BlobIndex::unreferencedUploads)) {
            if (inFlight.containsKey(row.sha256())) {
                continue;
            }
            if (row.token() != null) {
                try {
                    provider.abort(row.sha256(), row.token());
                } catch (ProviderException e) {
                    continue; // kept until the provider answers; nothing counts it meanwhile
                }
            }
            store.write(c -> BlobIndex.removeUploadIfUnreferenced(c, row.sha256()));
            retries.remove(row.sha256());
        }
    }

    /** An online uploader with nothing to do asks the provider now and then whether it is still there. */
    private void checkWhileIdle() {
        if (!online || !inFlight.isEmpty() || System.nanoTime() - lastContact < IDLE_CHECK.toNanos()) {
            return;
        }
        try {
            provider.ping();
            lastContact = System.nanoTime();
        } catch (ProviderException e) {
            lastContact = System.nanoTime();
            if (e.retryable()) {
                setOnline(false, e.getMessage());
            }
        }
    }

    private void dispatch() {
        int free = config.uploadConcurrency() - inFlight.size();
        if (free <= 0) {
            return;
        }
        long now = System.currentTimeMillis();
        List<UploadRow> due = store.read(c -> BlobIndex.dueUploads(c, now, now - config.uploadDelay().toMillis(),
                config.uploadConcurrency() * 4 + retries.size()));
        for (UploadRow row : due) {
            if (free == 0 || !running) {
                return;
            }
            Retry retry = retries.get(row.sha256());
            if (inFlight.containsKey(row.sha256()) || (retry != null && retry.notBefore() > now)) {
                continue;
            }
            inFlight.put(row.sha256(), new AtomicLong());
            free--;
            workers.execute(() -> {
                try {
                    uploadOne(row);
                } finally {
                    inFlight.remove(row.sha256());
                    wake();
                }
            });
        }
    }

    private boolean probe() {
        try {
            provider.size("0".repeat(64));
            provider.ping();
            lastContact = System.nanoTime();
            setOnline(true, null);
            retryNow();
            return true;
        } catch (ProviderException e) {
            probeFailures.incrementAndGet();
            return false;
        }
    }

    private Duration probeDelay() {
        long max = Math.min(config.retryStrategy().maxDelay().toMillis(), 30_000);
        long d = Math.min(max, 500L << Math.min(10, probeFailures.get()));
        return Duration.ofMillis(d);
    }

    private void sleep(long millis) {
        lock.lock();
        try {
            if (!woken) {
                wake.await(millis, TimeUnit.MILLISECONDS);
            }
            woken = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } finally {
            lock.unlock();
        }
    }

    private void uploadOne(UploadRow row) {
        String sha = row.sha256();
        cache.uploading(sha, true);
        try {
            OptionalLong remote = provider.size(sha);
            // Already stored (the same bytes from elsewhere): refresh its age so a garbage
            // collector's grace period protects it until this device's change is pushed.
            if (remote.isEmpty() || remote.getAsLong() != row.size() || !provider.touch(sha)) {
                send(row);
            }
            store.write(c -> {
                BlobIndex.markClean(c, sha);
                BlobIndex.removeUpload(c, sha);
                return null;
            });
            retries.remove(sha);
            lastContact = System.nanoTime();
            failuresInARow.set(0);
            setOnline(true, null);
            events.publish(new UploadProgress(sha, 1.0, row.size(), row.size()));
            events.publish(new UploadComplete(sha, provider.urlOf(sha).orElse(null)));
            onUploaded.run();
        } catch (ProviderException e) {
            // One failed request is not an outage (a flaky network fails some); several in a row are.
            if (e.retryable() && failuresInARow.incrementAndGet() >= 3) {
                setOnline(false, e.getMessage());
            }
            fail(row, e.getMessage());
        } catch (IOException e) {
            fail(row, e instanceof NoSuchFileException
                    ? "the local copy " + e.getMessage() + " is missing" : e.toString());
        } catch (RuntimeException e) {
            String more = logLimit.admit("unexpected " + sha);
            if (more != null) {
                LOG.error("Uploading blob {} failed unexpectedly{}", sha, more, e);
            }
            fail(row, e.getMessage() != null ? e.getMessage() : e.toString());
        } finally {
            cache.uploading(sha, false);
        }
    }

    private void send(UploadRow row) throws ProviderException, IOException {
        String sha = row.sha256();
        String token = row.token();
        long offset = token == null ? -1 : provider.uploadedBytes(sha, token);
        if (offset < 0 || offset > row.size()) {
            if (token != null && offset > row.size()) {
                provider.abort(sha, token);
            }
            String fresh = provider.beginUpload(sha, row.size());
            try {
                store.write(c -> {
                    BlobIndex.setUploadToken(c, sha, fresh);
                    return null;
                });
            } catch (RuntimeException e) {
                // Unrecorded, the session could never be resumed: it must not stay at the provider.
                try {
                    provider.abort(sha, fresh);
                } catch (ProviderException abortFailed) {
                    e.addSuppressed(abortFailed);
                }
                throw e;
            }
            token = fresh;
            offset = 0;
        } else if (offset > 0) {
            LOG.info("Resuming the upload of blob {} at byte {} of {}", sha, offset, row.size());
        }
        AtomicLong sent = inFlight.computeIfAbsent(sha, k -> new AtomicLong());
        sent.set(offset);
        try (FileChannel ch = FileChannel.open(cache.pathOf(sha), StandardOpenOption.READ)) {
            while (offset < row.size() && running) {
                long len = Math.min(CHUNK, row.size() - offset);
                ch.position(offset);
                InputStream in = Channels.newInputStream(ch);
                provider.append(sha, token, offset, in, len);
                offset += len;
                sent.set(offset);
                if (offset < row.size()) {
                    // 1.0 is announced once, when the upload is complete.
                    events.publish(new UploadProgress(sha, (double) offset / row.size(), offset, row.size()));
                }
            }
        }
        if (offset < row.size()) {
            throw new ProviderException("stopped before the upload finished", true);
        }
        try {
            provider.complete(sha, token);
        } catch (ProviderException e) {
            if (!e.retryable()) {
                // The provider refused the finished session: start a fresh one next time rather
                // than asking it to complete the same refused bytes forever.
                String refused = token;
                provider.abort(sha, refused);
                store.write(c -> {
                    BlobIndex.setUploadToken(c, sha, null);
                    return null;
                });
            }
            throw e;
        }
    }

    private void fail(UploadRow row, String error) {
        if (!running) {
            return; // stopping: the upload continues from the provider's offset next time
        }
        Retry before = retries.get(row.sha256());
        int attempts = Math.max(row.attempts(), before == null ? 0 : before.attempts()) + 1;
        long next = attempts >= config.retryStrategy().maxAttempts() ? Long.MAX_VALUE
                : System.currentTimeMillis()
                        + Backoff.delay(config.retryStrategy(), attempts, ThreadLocalRandom.current()).toMillis();
        // Kept in memory too: when the store cannot record it, the backoff still holds.
        retries.put(row.sha256(), new Retry(attempts, next));
        String message = attempts >= config.retryStrategy().maxAttempts()
                ? error + " (gave up after " + attempts + " attempts; kept, and retried on flush or reconnect)"
                : error;
        String more = logLimit.admit("failed " + row.sha256());
        if (more != null) {
            LOG.warn("Upload of blob {} failed (attempt {} of {}): {}{}", row.sha256(), attempts,
                    config.retryStrategy().maxAttempts(), error, more);
        }
        events.publish(new SyncError("upload " + row.sha256(), message));
        try {
            store.write(c -> {
                BlobIndex.recordUploadFailure(c, row.sha256(), message, next);
                return null;
            });
        } catch (RuntimeException e) {
            String cannot = logLimit.admit("record " + row.sha256());
            if (cannot != null) {
                LOG.error("Cannot record the failed upload of blob {}: {}{}", row.sha256(), e.getMessage(), cannot);
            }
        }
    }

    private synchronized void setOnline(boolean now, String reason) {
        if (online == now) {
            return;
        }
        online = now;
        String more = logLimit.admit("online");
        if (now) {
            if (more != null) {
                LOG.info("{} answers again; queued uploads continue{}", provider.describe(), more);
            }
            events.publish(new Online(provider.describe()));
        } else {
            if (more != null) {
                LOG.warn("{} cannot be reached ({}); uploads stay queued{}", provider.describe(), reason, more);
            }
            events.publish(new Offline(provider.describe(), reason));
        }
    }

    @Override
    public void close() {
        running = false;
        wake();
        workers.shutdown();
        try {
            dispatcher.join(10_000);
            workers.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdownNow();
    }
}

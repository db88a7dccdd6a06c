package dev.blobsync.engine.upload;

import dev.blobsync.engine.cache.BlobCache;
import dev.blobsync.engine.config.RetryStrategy;
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
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads queued blobs through the provider's resumable sessions, oldest first, on one thread
 * of its own. The session token is stored before the first byte is sent, so after a crash the
 * upload continues from the provider's offset. A failed upload stays queued and is retried with
 * backoff; after {@code maxAttempts} it waits for {@link #retryNow()} (flush, reconnect) and is
 * never dropped.
 */
public final class Uploader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Uploader.class);
    private static final long CHUNK = 8L << 20;

    private final LocalStore store;
    private final BlobProvider provider;
    private final BlobCache cache;
    private final RetryStrategy retry;
    private final Runnable onUploaded;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private boolean woken; // guarded by lock
    private volatile boolean running = true;

    public Uploader(LocalStore store, BlobProvider provider, BlobCache cache, RetryStrategy retry,
                    Runnable onUploaded) {
        this.store = store;
        this.provider = provider;
        this.cache = cache;
        this.retry = retry;
        this.onUploaded = onUploaded;
        this.thread = new Thread(this::loop, "blobsync-upload");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
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
        store.write(c -> {
            BlobIndex.makeUploadsDue(c);
            return null;
        });
        wake();
    }

    private void loop() {
        while (running) {
            List<UploadRow> due;
            try {
                due = store.read(c -> BlobIndex.dueUploads(c, System.currentTimeMillis(), 8));
            } catch (RuntimeException e) {
                LOG.warn("Cannot read the upload queue", e);
                due = List.of();
            }
            for (UploadRow row : due) {
                if (!running) {
                    return;
                }
                uploadOne(row);
            }
            if (due.isEmpty()) {
                sleep(1000);
            }
        }
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
            if (remote.isEmpty() || remote.getAsLong() != row.size()) {
                send(row);
            }
            store.write(c -> {
                BlobIndex.markClean(c, sha);
                BlobIndex.removeUpload(c, sha);
                return null;
            });
            onUploaded.run();
        } catch (ProviderException | IOException e) {
            fail(row, e instanceof NoSuchFileException
                    ? "the local copy " + e.getMessage() + " is missing" : e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("Uploading blob {} failed unexpectedly", sha, e);
            fail(row, e.toString());
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
            store.write(c -> {
                BlobIndex.setUploadToken(c, sha, fresh);
                return null;
            });
            token = fresh;
            offset = 0;
        } else if (offset > 0) {
            LOG.info("Resuming upload of blob {} at byte {} of {}", sha, offset, row.size());
        }
        try (FileChannel ch = FileChannel.open(cache.pathOf(sha), StandardOpenOption.READ)) {
            while (offset < row.size() && running) {
                long len = Math.min(CHUNK, row.size() - offset);
                ch.position(offset);
                InputStream in = Channels.newInputStream(ch);
                provider.append(sha, token, offset, in, len);
                offset += len;
            }
        }
        if (offset < row.size()) {
            throw new ProviderException("stopped before the upload finished", true);
        }
        provider.complete(sha, token);
    }

    private void fail(UploadRow row, String error) {
        int attempts = row.attempts() + 1;
        long next = attempts >= retry.maxAttempts() ? Long.MAX_VALUE
                : System.currentTimeMillis() + Backoff.delay(retry, attempts, ThreadLocalRandom.current()).toMillis();
        LOG.warn("Upload of blob {} failed (attempt {} of {}): {}", row.sha256(), attempts, retry.maxAttempts(), error);
        try {
            store.write(c -> {
                BlobIndex.recordUploadFailure(c, row.sha256(), error, next);
                return null;
            });
        } catch (RuntimeException e) {
            LOG.error("Cannot record the failed upload of blob {}", row.sha256(), e);
        }
    }

    @Override
    public void close() {
        running = false;
        wake();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

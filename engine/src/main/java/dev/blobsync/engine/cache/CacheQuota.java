package dev.blobsync.engine.cache;

import dev.blobsync.engine.QuotaExceededException;
import dev.blobsync.engine.config.CacheConfig;
import dev.blobsync.engine.config.Eviction;
import dev.blobsync.engine.config.Sizes;
import dev.blobsync.engine.event.CacheEviction;
import dev.blobsync.engine.event.CacheWarning;
import dev.blobsync.engine.event.EventBus;
import dev.blobsync.engine.internal.LogLimiter;
import dev.blobsync.engine.store.BlobIndex;
import dev.blobsync.engine.store.BlobRow;
import dev.blobsync.engine.store.LocalStore;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the cache within {@code cache.maxSize} and above the free-disk floor, on every insert:
 * before bytes enter the cache, room is made by evicting clean blobs — low priority first,
 * then by last access ({@code lru}) or age ({@code fifo}). Pinned, dirty, queued and open
 * blobs are never evicted. Internal to the engine.
 *
 * <p>What may overshoot: bytes written on this device (never refused here; the queue size
 * bounds them) and the blob being read when everything else is pinned, dirty or open. A pin
 * that cannot fit is refused. Lock order: this quota's monitor is taken before the store's.
 */
final class CacheQuota {
    private static final Logger LOG = LoggerFactory.getLogger(CacheQuota.class);

    /**
     * Why bytes enter the cache. {@code MOVE}: written here and already on the cache's disk (in
     * the staging folder), so they take no more of it.
     */
    enum Purpose { WRITE, MOVE, READ, PIN }

    /** Removes an evicted blob's index entry and files, unless it became busy; true when removed. */
    interface Remover {
        boolean removeIfIdle(BlobRow row);
    }

    private final Path dir;
    private final LocalStore store;
    private final CacheConfig config;
    private final EventBus events;
    private final Remover remover;
    private final LogLimiter logLimit = LogLimiter.standard();
    private long used; // guarded by this
    private boolean warned; // guarded by this

    CacheQuota(Path dir, LocalStore store, CacheConfig config, EventBus events, Remover remover) {
        this.dir = dir;
        this.store = store;
        this.config = config;
        this.events = events;
        this.remover = remover;
        long sum = 0;
        for (BlobRow r : store.read(BlobIndex::all)) {
            sum += bytesOf(r);
        }
        this.used = sum;
    }

    static long bytesOf(BlobRow r) {
        if (r.complete()) {
            return r.size();
        }
        long chunks = r.present() == null ? 0 : BitSet.valueOf(r.present()).cardinality();
        return Math.min(r.size(), chunks * ChunkManifest.CHUNK);
    }

    synchronized long used() {
        return used;
    }

    long max() {
        return config.maxSize();
    }

    /**
     * Makes room for {@code bytes} more and counts them as used. Throws
     * {@link QuotaExceededException} for a pin, or for a read under the {@code manual} policy,
     * when no room can be made.
     */
    synchronized void reserve(long bytes, Purpose purpose, String what) {
        long disk = purpose == Purpose.MOVE ? 0 : bytes;
        if (!fits(bytes, disk)) {
            evictLocked(bytes, disk, config.maxSize());
        }
        if (!fits(bytes, disk)) {
            boolean refuse = purpose == Purpose.PIN || (purpose == Purpose.READ && config.eviction() == Eviction.MANUAL)
                    || freeDisk() - disk < config.minFreeDisk() / 2;
            if (refuse) {
                throw new QuotaExceededException("The cache has no room for " + what + " (" + Sizes.format(bytes)
                        + "): " + Sizes.format(used) + " of " + Sizes.format(config.maxSize())
                        + " (cache.maxSize) are held by pinned, unsynced or open files, and "
                        + Sizes.format(freeDisk()) + " of the disk are free (cache.minFreeDisk "
                        + Sizes.format(config.minFreeDisk()) + "). Unpin something, or raise cache.maxSize.");
            }
        }
        used += bytes;
        afterGrowthLocked();
    }

    /** Counts bytes that left the cache. */
    synchronized void release(long bytes) {
        used = Math.max(0, used - bytes);
        if (used < config.warningThreshold() * config.maxSize()) {
            warned = false;
        }
    }

    /** True when {@code pinnedBytes} of pinned blobs could be kept at all. */
    boolean canPin(long pinnedBytes) {
        return pinnedBytes <= config.maxSize();
    }

    private boolean fits(long bytes, long disk) {
        return used + bytes <= config.maxSize() && freeDisk() - disk >= config.minFreeDisk();
    }

    long minFreeDisk() {
        return config.minFreeDisk();
    }

    /**
     * Evicts clean blobs until {@code bytes} more can be written to the cache's disk above
     * {@code cache.minFreeDisk} (or nothing more may leave).
     */
    synchronized void makeDiskRoom(long bytes) {
        evictLocked(0, bytes, config.maxSize());
    }

    /** Free bytes on the disk holding the cache. */
    long freeDisk() {
        try {
            FileStore fs = Files.getFileStore(dir);
            return fs.getUsableSpace();
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    private void afterGrowthLocked() {
        long max = config.maxSize();
        if (!warned && used >= config.warningThreshold() * max) {
            warned = true;
            events.publish(new CacheWarning(used, Math.max(0, max - used)));
        }
        if (used >= config.criticalThreshold() * max && config.eviction() != Eviction.MANUAL) {
            // Critical: evict down to the warning level at once, not just enough for this insert.
            evictLocked(0, 0, (long) (config.warningThreshold() * max));
        }
    }

    /** Evicts until {@code bytes} more fit under {@code limit}; returns what left. */
    synchronized List<String> evict(long bytes, long limit) {
        return evictLocked(bytes, bytes, limit);
    }

    /** Evicts until {@code bytes} more fit under {@code limit} and {@code disk} more bytes fit on the disk. */
    private List<String> evictLocked(long bytes, long disk, long limit) {
        if (config.eviction() == Eviction.MANUAL) {
            return List.of();
        }
        List<String> evicted = new ArrayList<>();
        boolean byCreation = config.eviction() == Eviction.FIFO;
        int offset = 0;
        while (used + bytes > limit || freeDisk() - disk < config.minFreeDisk()) {
            List<BlobRow> candidates = store.read(c -> BlobIndex.evictionCandidates(c, byCreation, 256));
            boolean progress = false;
            for (BlobRow r : candidates) {
                if (!remove(r)) {
                    continue;
                }
                evicted.add(r.sha256());
                progress = true;
                if (used + bytes <= limit && freeDisk() - disk >= config.minFreeDisk()) {
                    break;
                }
            }
            if (!progress || ++offset > 1000) {
                break;
            }
        }
        if (!evicted.isEmpty()) {
            String more = logLimit.admit("evicted");
            if (more != null) {
                LOG.info("Evicted {} blob(s) from the cache; {} of {} in use{}", evicted.size(), Sizes.format(used),
                        Sizes.format(config.maxSize()), more);
            }
            events.publish(new CacheEviction(List.copyOf(evicted)));
        }
        return evicted;
    }

    /** Removes one clean blob unless it is in use; true when it left. */
    boolean remove(BlobRow r) {
        if (!remover.removeIfIdle(r)) {
            return false;
        }
        synchronized (this) {
            used = Math.max(0, used - bytesOf(r));
        }
        return true;
    }
}

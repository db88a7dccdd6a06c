package dev.blobsync.engine.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The local blob cache ({@code cache}).
 *
 * @param directory         where cached blob files live (absolute)
 * @param maxSize           the most bytes the cache holds
 * @param eviction          which blobs leave first when it is full
 * @param warningThreshold  fill ratio that raises a warning; 0 &lt; warning &lt; critical
 * @param criticalThreshold fill ratio that starts aggressive eviction; at most 1
 * @param minFreeDisk       bytes of disk always left free, whatever {@code maxSize} says
 * @param prefetch          prefetching of blobs before they are read
 */
public record CacheConfig(Path directory, long maxSize, Eviction eviction, double warningThreshold,
                          double criticalThreshold, long minFreeDisk, PrefetchConfig prefetch) {

    public CacheConfig {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(eviction, "eviction");
        Objects.requireNonNull(prefetch, "prefetch");
        if (maxSize <= 0 || minFreeDisk < 0) {
            throw new IllegalArgumentException("need maxSize > 0 and minFreeDisk >= 0: "
                    + maxSize + ", " + minFreeDisk);
        }
        if (!(0 < warningThreshold && warningThreshold < criticalThreshold
                && criticalThreshold <= 1)) {
            throw new IllegalArgumentException("need 0 < warningThreshold < criticalThreshold <= 1: "
                    + warningThreshold + ", " + criticalThreshold);
        }
    }

    /** The defaults with cache folder {@code directory}: 2 GB, LRU, 0.8, 0.95, 1 GB free disk. */
    public static CacheConfig defaults(Path directory) {
        return new CacheConfig(directory, 2_000_000_000L, Eviction.LRU, 0.8, 0.95, 1_000_000_000L,
                PrefetchConfig.defaults());
    }
}

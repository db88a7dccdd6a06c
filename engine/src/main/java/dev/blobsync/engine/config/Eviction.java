package dev.blobsync.engine.config;

import java.util.Locale;

/** Which cached blobs leave first when the cache is full ({@code cache.eviction}). */
public enum Eviction {
    /** Least recently used first. */
    LRU,
    /** Oldest in the cache first. */
    FIFO,
    /** Never automatically; the user evicts. */
    MANUAL;

    /** The value as written in configuration: {@code lru}, {@code fifo}, {@code manual}. */
    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}

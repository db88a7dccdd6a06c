package dev.blobsync.engine;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The local blob cache: what it holds, priorities and pins, prefetch and eviction. Record ids
 * may name records of any table.
 */
public interface CacheControl {

    CacheStats stats();

    /**
     * Asks for room for a file being written in {@link SyncEngine#stagingDirectory()} that is to
     * hold {@code size} bytes, {@code staged} of which are there already: the upload queue
     * ({@code offline.maxQueueSize}) must take it, and the disk under the cache must keep
     * {@code cache.minFreeDisk} free (clean blobs are evicted to make room). Returns the size the
     * file may grow to before asking again (at least {@code size}).
     *
     * @throws QuotaExceededException naming the limit and what to do, when it does not fit
     */
    long writeRoom(String what, long size, long staged);

    /** Fetches every blob of the given records in the background; the future ends when all are cached. */
    CompletableFuture<Void> prefetch(Collection<UUID> recordIds);

    /** Removes the blobs of the given records from the cache when they are clean, unpinned and closed. */
    void evict(Collection<UUID> recordIds);

    /** Removes every blob that may leave the cache (clean, unpinned, closed). */
    void clear();

    /**
     * Sets the priority of a record's blobs; {@code null} clears it so the table's applies.
     * {@code HIGH} pins: the blobs are fetched in full in the background and never evicted; a
     * pin that cannot fit fails with {@link QuotaExceededException} and changes nothing.
     */
    void setPriority(UUID recordId, Priority priority);

    /** Like {@link #setPriority(UUID, Priority)} for every record of a table, now and later. */
    void setTablePriority(String table, Priority priority);

    /** Like {@link #setPriority(UUID, Priority)} for one blob. */
    void setBlobPriority(String table, UUID recordId, BlobRef blob, Priority priority);

    /**
     * The effective priority: the blob's own, else its record's, else its table's, else
     * normal. Pass {@code null} for what does not apply (a table folder has no record).
     */
    Priority priority(String table, UUID recordId, BlobRef blob);

    /** How much of {@code blob} is cached, 0.0 to 1.0. */
    double cachedFraction(BlobRef blob);

    /** The last problem with {@code blob} on this device (a corrupt or failed fetch), in words. */
    Optional<String> lastError(BlobRef blob);

    /**
     * Hints that these records are on screen (a folder was listed): with
     * {@code cache.prefetch.strategy: visible}, their blobs are fetched in the background at low
     * priority, a bounded number at a time, and not at all while the cache is under pressure.
     */
    void prefetchVisible(String table, List<UUID> recordIds);

    /**
     * Stores a pin by query: records of {@code table} matching every condition, now and later
     * (pulled or written here), are kept at {@code priority} until the rule is removed. The
     * conditions are checked against the schema at once ({@link InvalidException} naming the
     * field). A rule equal to a stored one returns that one and fetches what it misses again. With
     * {@link Priority#HIGH}, matches that cannot fit in the cache now fail the call with
     * {@link QuotaExceededException} and nothing is stored; a later match that cannot fit is
     * left unpinned and counted in {@link PinRuleStatus#refused()}.
     *
     * <p>Precedence: a blob's or record's own priority wins over a rule; a rule wins over its
     * table's priority; among rules, high wins over low.
     */
    PinRule pinRule(String table, java.util.List<PinRule.Condition> where, Priority priority);

    /** The stored pin rules, oldest first, with what each holds now. */
    java.util.List<PinRuleStatus> pinRules();

    /** Removes pin rule {@code id}; its records fall back to their other priorities. False when there is none. */
    boolean removePinRule(long id);

    /** How much of what is pinned is cached, for showing a pin filling the cache. */
    PinProgress pinProgress();
}

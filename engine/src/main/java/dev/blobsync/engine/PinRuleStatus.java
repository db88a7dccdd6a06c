package dev.blobsync.engine;

/**
 * A pin rule and what it holds on this device now.
 *
 * @param rule        the rule
 * @param records     records it keeps at its priority
 * @param bytes       total size of their blobs
 * @param cachedBytes how much of that is in the cache
 * @param refused     matching records left unpinned because their blobs would not fit in the cache
 * @param problem     why records were refused, in words; {@code null} when none were
 */
public record PinRuleStatus(PinRule rule, int records, long bytes, long cachedBytes, int refused, String problem) {
}

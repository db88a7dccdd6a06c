package dev.blobsync.engine;

import java.util.Locale;

/**
 * How much a blob deserves its place in the cache; shown and set as
 * {@code user.blobsync.priority}. Set on a table, a record or a blob; the most specific wins.
 */
public enum Priority {
    /** Pinned: fetched in full and never evicted. */
    HIGH,
    /** Evicted by the cache's policy (least recently used by default). */
    NORMAL,
    /** Evicted before any normal blob (thumbnails, previews). */
    LOW;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code high}, {@code normal} or {@code low}; {@link InvalidException} otherwise. */
    public static Priority parse(String s) {
        for (Priority p : values()) {
            if (p.label().equals(s == null ? null : s.trim().toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new InvalidException("priority", "A priority is high, normal or low, not '" + s + "'.");
    }
}

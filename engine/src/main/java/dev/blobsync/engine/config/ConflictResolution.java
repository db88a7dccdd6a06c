package dev.blobsync.engine.config;

import java.util.Locale;

/** How a change that conflicts with a newer remote one is settled ({@code offline.conflictResolution}). */
public enum ConflictResolution {
    /** The write with the later clock wins, field by field. */
    LAST_WRITE_WINS,
    /** The conflict is kept for the user to settle. */
    MANUAL,
    /** The remote version wins. */
    SERVER_WINS;

    /** The value as written in configuration: {@code last-write-wins}, {@code manual}, {@code server-wins}. */
    public String configValue() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}

package dev.blobsync.engine.config;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The sync loop ({@code sync}, blobsync's own section, not in the RFC).
 *
 * @param pollInterval how often remote changes are pulled when the provider gives no signal
 * @param device       this device's name ({@code sync.device}), or null: the engine then makes one
 *                     from the host name once per cache folder. It names this device's side of a
 *                     conflict on other devices and breaks ties between clocks, so give each
 *                     device its own
 */
public record SyncConfig(Duration pollInterval, String device) {
    /** What a device name may hold: it appears in file names of conflict copies. */
    public static final Pattern DEVICE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,39}");

    public SyncConfig {
        Objects.requireNonNull(pollInterval, "pollInterval");
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("pollInterval must be positive: " + pollInterval);
        }
        if (device != null && !DEVICE_NAME.matcher(device).matches()) {
            throw new IllegalArgumentException("not a device name: " + device);
        }
    }

    public SyncConfig(Duration pollInterval) {
        this(pollInterval, null);
    }

    /** Poll every second; the device named from the host name. */
    public static SyncConfig defaults() {
        return new SyncConfig(Duration.ofSeconds(1));
    }
}

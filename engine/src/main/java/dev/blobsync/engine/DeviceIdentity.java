package dev.blobsync.engine;

import dev.blobsync.engine.config.SyncConfig;
import dev.blobsync.engine.store.LocalStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;

/**
 * This device's name: {@code sync.device} when configured, else made once per cache folder from
 * the host name and four random hex digits (so two caches on one host differ) and kept in the
 * local store. It is part of every clock this device writes and names its side of a conflict on
 * other devices.
 */
final class DeviceIdentity {
    static final String KEY = "device.id";

    private DeviceIdentity() {
    }

    static String of(LocalStore store, SyncConfig sync) {
        return store.write(c -> {
            String stored = LocalStore.kvValue(c, KEY);
            String device = sync.device() != null ? sync.device() : stored != null ? stored : generate();
            if (!device.equals(stored)) {
                LocalStore.putKv(c, KEY, device);
            }
            return device;
        });
    }

    private static String generate() {
        byte[] r = new byte[2];
        new SecureRandom().nextBytes(r);
        String host = hostName().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]+", "-").replaceAll("^[-_]+", "");
        if (host.length() > 30) {
            host = host.substring(0, 30);
        }
        String name = (host.isEmpty() ? "device" : host) + "-" + HexFormat.of().formatHex(r);
        return SyncConfig.DEVICE_NAME.matcher(name).matches() ? name : "device-" + HexFormat.of().formatHex(r);
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        try {
            return Files.readString(Path.of("/etc/hostname")).strip();
        } catch (IOException | RuntimeException e) {
            return "device";
        }
    }
}

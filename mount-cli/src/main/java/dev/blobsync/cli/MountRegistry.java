package dev.blobsync.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The running mounts of this user, so that {@code blobsync unmount MOUNTPOINT} and
 * {@code blobsync pin PATH} find the control socket of the mount behind a path, also when
 * systemd started it. One small JSON file per mount in {@code $XDG_RUNTIME_DIR/blobsync/mounts/}
 * (else {@code $XDG_CACHE_HOME/blobsync/mounts/}, else {@code ~/.cache/blobsync/mounts/}), named
 * by a hash of the mount point; an entry whose process is gone is stale and ignored.
 */
final class MountRegistry {
    /** Tests point the registry at a folder of their own with this system property. */
    static final String DIR_PROPERTY = "blobsync.registryDir";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One running mount.
     *
     * @param mountPoint the absolute mount point
     * @param config     its config file
     * @param socket     its control socket
     * @param pid        the mount's process id
     */
    record Entry(String mountPoint, String config, String socket, long pid) {
        boolean alive() {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }

    private final Path dir;

    MountRegistry(Path dir) {
        this.dir = dir;
    }

    static MountRegistry forUser() {
        String property = System.getProperty(DIR_PROPERTY);
        if (property != null) {
            return new MountRegistry(Path.of(property));
        }
        return new MountRegistry(defaultDir(System.getenv(), home()));
    }

    static Path defaultDir(Map<String, String> env, Path home) {
        String runtime = env.get("XDG_RUNTIME_DIR");
        if (runtime != null && Path.of(runtime).isAbsolute()) {
            return Path.of(runtime, "blobsync", "mounts");
        }
        String cache = env.get("XDG_CACHE_HOME");
        Path base = cache != null && Path.of(cache).isAbsolute() ? Path.of(cache) : home.resolve(".cache");
        return base.resolve("blobsync").resolve("mounts");
    }

    private static Path home() {
        String home = System.getenv("HOME");
        return Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"));
    }

    /** Registers a mount; the file is readable by its owner only. */
    void add(Entry e) throws IOException {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".entry", ".tmp");
        Files.writeString(tmp, JSON.writeValueAsString(e));
        Files.move(tmp, fileOf(Path.of(e.mountPoint())), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    void remove(Path mountPoint) {
        try {
            Files.deleteIfExists(fileOf(mountPoint));
        } catch (IOException ignored) {
            // A stale entry is recognised by its dead process.
        }
    }

    /** The live mount at exactly {@code mountPoint}. */
    Optional<Entry> at(Path mountPoint) {
        Path f = fileOf(mountPoint.toAbsolutePath().normalize());
        return read(f).filter(Entry::alive);
    }

    /** The live mount holding {@code path} (the one with the longest mount point that contains it). */
    Optional<Entry> holding(Path path) {
        Path p = path.toAbsolutePath().normalize();
        return all().stream().filter(e -> p.startsWith(Path.of(e.mountPoint())))
                .max((a, b) -> Integer.compare(a.mountPoint().length(), b.mountPoint().length()));
    }

    /** Every live mount. */
    List<Entry> all() {
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(f -> f.getFileName().toString().endsWith(".json"))
                    .forEach(f -> read(f).filter(Entry::alive).ifPresent(out::add));
        } catch (IOException ignored) {
            // Nothing readable: no mounts known.
        }
        return out;
    }

    private Optional<Entry> read(Path f) {
        try {
            return Files.isRegularFile(f) ? Optional.of(JSON.readValue(Files.readString(f), Entry.class))
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private Path fileOf(Path mountPoint) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256")
                    .digest(mountPoint.toString().getBytes(StandardCharsets.UTF_8));
            return dir.resolve(HexFormat.of().formatHex(h, 0, 12) + ".json");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

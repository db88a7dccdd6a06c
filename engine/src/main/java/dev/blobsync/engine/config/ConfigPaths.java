package dev.blobsync.engine.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** Resolves paths written in a configuration file the way users expect. */
final class ConfigPaths {
    private ConfigPaths() {
    }

    /** The folder relative paths in {@code source} are resolved against. */
    static Path base(Path source) {
        Path absolute = source == null ? Path.of("").toAbsolutePath() : source.toAbsolutePath();
        Path parent = source == null ? absolute : absolute.getParent();
        return parent == null ? absolute : parent;
    }

    /**
     * {@code text} as an absolute, normalized path: {@code ~} and {@code ~/…} are the user's
     * home, other relative paths are relative to the folder of {@code source}.
     *
     * @throws ConfigException naming {@code keyPath} when {@code text} is empty or no path
     */
    static Path resolve(Path source, String keyPath, String text) {
        if (text.isBlank()) {
            throw new ConfigException(source, keyPath, "'" + keyPath + "' is empty. Give a path, "
                    + "absolute, starting with ~/, or relative to the folder of this file.");
        }
        try {
            Path path;
            if (text.equals("~")) {
                path = Path.of(System.getProperty("user.home"));
            } else if (text.startsWith("~/")) {
                path = Path.of(System.getProperty("user.home")).resolve(text.substring(2));
            } else {
                path = base(source).resolve(text);
            }
            return path.toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new ConfigException(source, keyPath, "'" + keyPath + "' is '" + text
                    + "', which is not a valid path: " + e.getReason() + ".", e);
        }
    }
}

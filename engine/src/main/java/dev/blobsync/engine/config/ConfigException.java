package dev.blobsync.engine.config;

import java.nio.file.Path;

/**
 * A configuration that cannot be used. The message starts with the file, names the key path
 * and says what is accepted there, for example
 * {@code /home/a/blobsync.yaml: 'blobs.provider' is 'dropbox'. Accepted: filesystem.}
 */
public final class ConfigException extends RuntimeException {
    private final Path file;
    private final String keyPath;

    /**
     * @param file    the file at fault, or {@code null} for configuration given as text
     * @param keyPath the dot-separated key path, or {@code ""} when no single key is at fault
     * @param problem the problem, in words, without the file name
     */
    public ConfigException(Path file, String keyPath, String problem) {
        this(file, keyPath, problem, null);
    }

    public ConfigException(Path file, String keyPath, String problem, Throwable cause) {
        super((file == null ? "(configuration text)" : file.toString()) + ": " + problem, cause);
        this.file = file;
        this.keyPath = keyPath == null ? "" : keyPath;
    }

    /** The file at fault, or {@code null} when the configuration did not come from a file. */
    public Path file() {
        return file;
    }

    /** The dot-separated key path, like {@code cache.maxSize}; {@code ""} for the whole file. */
    public String keyPath() {
        return keyPath;
    }
}

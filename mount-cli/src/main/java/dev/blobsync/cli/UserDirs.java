package dev.blobsync.cli;

import java.nio.file.Path;
import java.util.Map;

/**
 * The user's folders per the XDG base directory rules: configuration under
 * {@code $XDG_CONFIG_HOME} (default {@code ~/.config}), data under {@code $XDG_DATA_HOME}
 * (default {@code ~/.local/share}).
 */
record UserDirs(Path config, Path data) {

    static UserDirs fromEnvironment() {
        // $HOME first: Java's user.home comes from the password database and ignores it.
        String home = System.getenv("HOME");
        return from(System.getenv(), Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home")));
    }

    static UserDirs from(Map<String, String> env, Path home) {
        return new UserDirs(dir(env.get("XDG_CONFIG_HOME"), home.resolve(".config")).resolve("blobsync"),
                dir(env.get("XDG_DATA_HOME"), home.resolve(".local").resolve("share")).resolve("blobsync"));
    }

    private static Path dir(String value, Path fallback) {
        // The spec says a relative value is invalid and must be ignored.
        return value != null && !value.isBlank() && Path.of(value).isAbsolute() ? Path.of(value) : fallback;
    }

    /** The config {@code mount} uses when none is given. */
    Path defaultConfig() {
        return config.resolve("config.yaml");
    }
}

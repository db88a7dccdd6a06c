package dev.blobsync.engine.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a configuration file holds secrets that other users of the machine can read, as ssh
 * checks its keys: a secret written into the file (not a {@code ${NAME}} reference to the
 * environment) in a file with group or other read access earns a warning at start.
 */
public final class ConfigSecrets {
    /** Provider options whose values are credentials. */
    private static final Set<String> SECRET_KEYS = Set.of("secretAccessKey", "sessionToken", "presignToken",
            "headers", "accessToken", "apiKey", "password");

    /** {@code scheme://user:password@host}: a password written into a URL (not {@code ${NAME}}). */
    private static final java.util.regex.Pattern PASSWORD_IN_URL =
            java.util.regex.Pattern.compile("://[^/@:]+:(?!\\$\\{)[^/@]+@");

    private ConfigSecrets() {
    }

    /** The warning for {@code config}, if its file holds secrets others can read; never shows a secret. */
    public static Optional<String> warning(EngineConfig config) {
        Path file = config.source();
        if (file == null || !Files.isRegularFile(file)) {
            return Optional.empty();
        }
        List<String> keys = new ArrayList<>();
        for (ProviderConfig pc : List.of(config.data(), config.blobs())) {
            pc.options().forEach((key, value) -> {
                if (SECRET_KEYS.contains(key) && holdsSecret(value)
                        || key.equals("url") && value != null && PASSWORD_IN_URL.matcher(String.valueOf(value)).find()) {
                    keys.add(pc.optionPath(key));
                }
            });
        }
        if (keys.isEmpty()) {
            return Optional.empty();
        }
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(file);
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
        boolean group = perms.contains(PosixFilePermission.GROUP_READ);
        boolean others = perms.contains(PosixFilePermission.OTHERS_READ);
        if (!group && !others) {
            return Optional.empty();
        }
        return Optional.of(file + " holds secrets (" + String.join(", ", keys) + ") and other users can read it"
                + " (" + (others ? "everyone" : "its group") + " has read access). Run: chmod 600 " + file
                + " (or keep the secrets in environment variables, written as ${NAME}).");
    }

    private static boolean holdsSecret(Object value) {
        if (value instanceof Map<?, ?> m) {
            return m.values().stream().anyMatch(ConfigSecrets::holdsSecret);
        }
        return value != null && !String.valueOf(value).isBlank() && !String.valueOf(value).matches("\\$\\{[^}]+}");
    }
}

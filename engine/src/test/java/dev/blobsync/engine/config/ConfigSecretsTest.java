package dev.blobsync.engine.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which configs earn the start-up warning about secrets other users can read. */
class ConfigSecretsTest {
    @TempDir
    Path tmp;

    private EngineConfig config(String data, String blobs, String mode) throws Exception {
        Path file = tmp.resolve("c-" + System.nanoTime() + ".yaml");
        Files.writeString(file, "data: " + data + "\nblobs: " + blobs + "\ncache: { directory: " + tmp.resolve("cache")
                + " }\nschema:\n  notes:\n    id: uuid\n    title: string\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return ConfigLoader.load(file);
    }

    private String hub() {
        return "{ provider: filesystem, config: { hub: " + tmp.resolve("hub") + " } }";
    }

    @Test
    void aPasswordInsideAPostgresUrlOfAReadableFileIsWarnedAboutWithoutShowingIt() throws Exception {
        EngineConfig c = config("{ provider: postgres, config: { url: \"postgres://alice:s3cr3t@db.example/photos\" } }",
                hub(), "rw-r--r--");
        assertThat(ConfigSecrets.warning(c)).hasValueSatisfying(w -> assertThat(w)
                .contains("data.config.url").contains("chmod 600").doesNotContain("s3cr3t"));
    }

    @Test
    void aPasswordKeyIsASecretButAnEnvironmentReferenceIsNot() throws Exception {
        assertThat(ConfigSecrets.warning(config("{ provider: postgres, config: { url: \"postgres://db.example/photos\","
                + " password: hunter2 } }", hub(), "rw-r-----"))).isPresent();
        assertThat(ConfigSecrets.warning(config("{ provider: postgres, config: { url: \"postgres://db.example/photos\","
                + " password: \"${PGPASSWORD}\" } }", hub(), "rw-r--r--"))).isEmpty();
        assertThat(ConfigSecrets.warning(config("{ provider: postgres, config: {"
                + " url: \"postgres://alice:${PGPASSWORD}@db.example/photos\" } }", hub(), "rw-r--r--"))).isEmpty();
    }

    @Test
    void aFileOnlyItsOwnerReadsIsFine() throws Exception {
        assertThat(ConfigSecrets.warning(config("{ provider: postgres, config: {"
                + " url: \"postgres://alice:s3cr3t@db.example/photos\" } }", hub(), "rw-------"))).isEmpty();
    }
}

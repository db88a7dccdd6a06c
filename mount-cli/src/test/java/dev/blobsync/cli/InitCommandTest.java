package dev.blobsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.config.EngineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InitCommandTest {
    @TempDir
    Path tmp;

    @Test
    void initWritesACommentedConfigThatLoadsWithThePhotosSchema() throws Exception {
        Path config = tmp.resolve("blobsync.yaml");
        CliRun r = CliRun.of("init", "--hub", tmp.resolve("hub").toString(), config.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("blobsync mount --config " + config);
        String text = Files.readString(config);
        assertThat(text).contains("# ").contains("provider: sqlite").contains("provider: filesystem");
        EngineConfig cfg = ConfigLoader.load(config);
        assertThat(cfg.data().requirePath("hub")).isEqualTo(tmp.resolve("hub"));
        assertThat(cfg.cache().directory()).isEqualTo(tmp.resolve("cache"));
        assertThat(cfg.schema().table("photos").fields()).extracting(f -> f.name())
                .containsExactly("title", "takenAt", "familyId", "image", "audio");
        assertThat(cfg.schema().table("photos").field("familyId").orElseThrow().defaultValue()).isNotNull();
    }

    @Test
    void initWithASchemaFileReferencesIt() throws Exception {
        Path schema = Path.of("..", "schema-examples", "music.schema.yaml").toAbsolutePath().normalize();
        Path config = tmp.resolve("music.yaml");
        CliRun r = CliRun.of("init", "--hub", tmp.resolve("hub").toString(), "--schema", schema.toString(),
                "--cache", tmp.resolve("c").toString(), config.toString());
        assertThat(r.code()).as(r.err()).isZero();
        EngineConfig cfg = ConfigLoader.load(config);
        assertThat(cfg.schema().tables()).isNotEmpty();
        assertThat(cfg.cache().directory()).isEqualTo(tmp.resolve("c"));
    }

    @Test
    void initRefusesToOverwriteWithoutForce() throws Exception {
        Path config = tmp.resolve("blobsync.yaml");
        Files.writeString(config, "mine");
        CliRun r = CliRun.of("init", "--hub", tmp.resolve("hub").toString(), config.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("exists already", "--force");
        assertThat(Files.readString(config)).isEqualTo("mine");
    }

    @Test
    void mountWithABadConfigNamesTheFileAndTheKey() throws Exception {
        Path config = tmp.resolve("bad.yaml");
        Files.writeString(config, "data: {provider: sqlite, config: {hub: h}}\n"
                + "blobs: {provider: filesystem, config: {hub: h}}\n"
                + "cache: {maxSzie: 1GB}\n"
                + "schema: {notes: {title: string}}\n");
        CliRun r = CliRun.of("mount", "--config", config.toString(), tmp.resolve("mnt").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains(config.toString(), "cache.maxSzie", "maxSize");
        assertThat(MountCommand.isMounted(tmp.resolve("mnt"))).isFalse();
    }

    @Test
    void userFoldersFollowXdgWithHomeFallbacks() {
        Path home = Path.of("/home/ann");
        assertThat(UserDirs.from(Map.of(), home))
                .isEqualTo(new UserDirs(Path.of("/home/ann/.config/blobsync"),
                        Path.of("/home/ann/.local/share/blobsync")));
        assertThat(UserDirs.from(Map.of("XDG_CONFIG_HOME", "/cfg", "XDG_DATA_HOME", "relative"), home))
                .isEqualTo(new UserDirs(Path.of("/cfg/blobsync"), Path.of("/home/ann/.local/share/blobsync")));
    }
}

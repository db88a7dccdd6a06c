package dev.blobsync.engine.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProviderConfigTest {
    private static final Path SOURCE = Path.of("/home/a/blobsync.yaml");

    private final ProviderConfig config = new ProviderConfig("sqlite",
            Map.of("hub", "hub.db", "port", 5432, "abs", "/srv/x/../y"), "data", SOURCE);

    @Test
    void stringsAndPathsAreRead() {
        assertThat(config.requireString("hub")).isEqualTo("hub.db");
        assertThat(config.string("none")).isEmpty();
        assertThat(config.requirePath("hub")).isEqualTo(Path.of("/home/a/hub.db"));
        assertThat(config.path("abs")).contains(Path.of("/srv/y"));
        assertThat(config.path("none")).isEmpty();
        assertThat(config.optionPath("hub")).isEqualTo("data.config.hub");
    }

    @Test
    void missingOptionNamesFileAndKeyPath() {
        assertThatThrownBy(() -> config.requireString("user"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("/home/a/blobsync.yaml: 'data.config.user' is missing; provider sqlite needs it.")
                .satisfies(e -> assertThat(((ConfigException) e).keyPath()).isEqualTo("data.config.user"))
                .satisfies(e -> assertThat(((ConfigException) e).file()).isEqualTo(SOURCE));
        assertThatThrownBy(() -> config.requirePath("user"))
                .hasMessageContaining("'data.config.user' is missing");
    }

    @Test
    void nonTextOptionIsRejected() {
        assertThatThrownBy(() -> config.string("port"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'data.config.port' is 5432, which is not text");
    }

    @Test
    void optionsCannotBeChanged() {
        assertThatThrownBy(() -> config.options().put("x", "y"))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}

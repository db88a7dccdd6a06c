package dev.blobsync.engine.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({
            "500ms, PT0.5S",
            "2s, PT2S",
            "1.5s, PT1.5S",
            "5m, PT5M",
            "1h, PT1H",
            "1d, PT24H",
            "10 S, PT10S",
            "0s, PT0S",
            "PT2S, PT2S",
            "pt1m30s, PT1M30S",
            "P1D, PT24H",
    })
    void shortFormsAndIsoAreUnderstood(String text, Duration expected) {
        assertThat(Durations.parse(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "2", "2 seconds", "soon", "PT", "1w", "-2s", "PT-2S"})
    void anythingElseIsRejectedWithExamples(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("500ms")
                .hasMessageContaining("PT2S");
    }
}

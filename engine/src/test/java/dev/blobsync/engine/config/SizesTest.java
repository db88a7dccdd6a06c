package dev.blobsync.engine.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SizesTest {

    @ParameterizedTest
    @CsvSource({
            "0, 0",
            "1048576, 1048576",
            "12B, 12",
            "500MB, 500000000",
            "500 mb, 500000000",
            "2GB, 2000000000",
            "1.5 GB, 1500000000",
            "1KB, 1000",
            "1TB, 1000000000000",
            "1KiB, 1024",
            "2GiB, 2147483648",
            "1.5 MiB, 1572864",
            "1 tib, 1099511627776",
            "0.5KB, 500",
            "' 3 kb ', 3000",
    })
    void decimalAndBinaryUnitsAreUnderstood(String text, long bytes) {
        assertThat(Sizes.parse(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "MB", "500 parsecs", "5 M", "1,5GB", "1e3", "GB5", "1.5", "0.5B"})
    void garbageIsRejectedWithTheAcceptedForms(String text) {
        assertThatThrownBy(() -> Sizes.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("500MB")
                .hasMessageContaining("KiB");
    }

    @Test
    void negativeAndTooLargeSizesAreRejected() {
        assertThatThrownBy(() -> Sizes.parse("-5MB")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("negative");
        assertThatThrownBy(() -> Sizes.parse("10000000TB")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("too large");
        assertThatThrownBy(() -> Sizes.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @CsvSource({
            "0, 0 B",
            "999, 999 B",
            "1000, 1 KB",
            "1500, 1.5 KB",
            "1500000000, 1.5 GB",
            "2000000000, 2 GB",
            "999950000, 1 GB",
            "2147483648, 2.1 GB",
            "1000000000000000, 1000 TB",
            "-1500, -1.5 KB",
    })
    void formatIsHumanReadable(long bytes, String text) {
        assertThat(Sizes.format(bytes)).isEqualTo(text);
    }

    @Test
    void formattedSizesParseBack() {
        assertThat(Sizes.parse(Sizes.format(1_500_000_000L))).isEqualTo(1_500_000_000L);
        assertThat(Sizes.parse(Sizes.format(Long.MAX_VALUE))).isPositive();
    }
}

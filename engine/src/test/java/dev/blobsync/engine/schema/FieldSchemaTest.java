package dev.blobsync.engine.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class FieldSchemaTest {
    private static final Clock CLOCK =
            Clock.fixed(Instant.parse("2026-07-04T10:15:30.123456789Z"), ZoneOffset.UTC);

    private static FieldSchema blob(String... mimeTypes) {
        return new FieldSchema("file", FieldType.BLOB, false, List.of(mimeTypes), null);
    }

    @Test
    void wildcardSubtypeMatchesOnlyItsMainType() {
        FieldSchema images = blob("image/*");
        assertThat(images.acceptsMimeType("image/jpeg")).isTrue();
        assertThat(images.acceptsMimeType("image/png")).isTrue();
        assertThat(images.acceptsMimeType("audio/mpeg")).isFalse();
        assertThat(images.acceptsMimeType("imagex/png")).isFalse();
        assertThat(images.acceptsMimeType(null)).isFalse();
    }

    @Test
    void mimeMatchingIgnoresCaseAndParameters() {
        assertThat(blob("image/*").acceptsMimeType("IMAGE/JPEG")).isTrue();
        assertThat(blob("text/plain").acceptsMimeType("Text/Plain; charset=utf-8")).isTrue();
        assertThat(blob("Application/PDF").acceptsMimeType("application/pdf")).isTrue();
        assertThat(blob("application/pdf").acceptsMimeType("application/pdfx")).isFalse();
    }

    @Test
    void anyPatternAndEmptyListAcceptEverything() {
        assertThat(blob("*/*").acceptsMimeType("video/mp4")).isTrue();
        assertThat(blob().acceptsMimeType("application/octet-stream")).isTrue();
    }

    @Test
    void severalPatternsAcceptEachOfThem() {
        FieldSchema docs = blob("application/pdf", "text/*");
        assertThat(docs.acceptsMimeType("application/pdf")).isTrue();
        assertThat(docs.acceptsMimeType("text/markdown")).isTrue();
        assertThat(docs.acceptsMimeType("image/png")).isFalse();
    }

    @Test
    void nowDefaultIsTheClockTruncatedToMillis() {
        FieldSchema f = new FieldSchema("at", FieldType.DATETIME, false, null, "now");
        assertThat(f.defaultFor(CLOCK)).isEqualTo(Instant.parse("2026-07-04T10:15:30.123Z"));
    }

    @Test
    void randomDefaultIsAFreshUuidEachTime() {
        FieldSchema f = new FieldSchema("key", FieldType.UUID, false, null, "random");
        Object first = f.defaultFor(CLOCK);
        assertThat(first).isInstanceOf(UUID.class);
        assertThat(f.defaultFor(CLOCK)).isNotEqualTo(first);
    }

    @Test
    void plainDefaultIsReturnedAndNoDefaultIsNull() {
        assertThat(new FieldSchema("n", FieldType.INT, true, null, 3L).defaultFor(CLOCK)).isEqualTo(3L);
        assertThat(new FieldSchema("s", FieldType.STRING, true, null, "now").defaultFor(CLOCK))
                .isEqualTo("now");
        assertThat(new FieldSchema("n", FieldType.INT, true, null, null).defaultFor(CLOCK)).isNull();
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonDefaultIsCopiedSoCallersCannotChangeTheSchema() {
        FieldSchema f = new FieldSchema("tags", FieldType.JSON, true, null,
                Map.of("list", List.of("a")));
        Map<String, Object> mine = (Map<String, Object>) f.defaultFor(CLOCK);
        mine.put("other", 1L);
        ((List<Object>) mine.get("list")).add("b");
        assertThat(f.defaultFor(CLOCK)).isEqualTo(Map.of("list", List.of("a")));
    }
}

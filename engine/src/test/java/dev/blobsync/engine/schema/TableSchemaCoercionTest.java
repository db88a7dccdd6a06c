package dev.blobsync.engine.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.InvalidException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

class TableSchemaCoercionTest {
    private static final String SHA = "a".repeat(64);
    private static final UUID FAMILY = UUID.fromString("9b2e7c1a-4f0e-4a8e-9d3c-2f1e6b7a8c90");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TableSchema photos = TestSchemas.photos();
    private final TableSchema all = TestSchemas.parse("""
            all:
              name: string
              count: {type: int, optional: true}
              ratio: {type: float, optional: true}
              done: {type: bool, optional: true}
              at: {type: datetime, optional: true}
              ref: {type: uuid, optional: true}
              meta: {type: json, optional: true}
              file: {type: blob, optional: true}
              created: {type: datetime, default: now}
              level: {type: int, default: 1}
            """).table("all");

    private AbstractThrowableAssert<?, ? extends Throwable> coercing(TableSchema t, String field,
                                                                     Object raw) {
        return assertThatThrownBy(() -> t.coerce(field, raw)).isInstanceOf(InvalidException.class);
    }

    private static Map<String, Object> map(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    private JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void eachTypeIsCoercedFromItsJsonForm() {
        assertThat(all.coerce("name", "Beach")).isEqualTo("Beach");
        assertThat(all.coerce("count", 42)).isEqualTo(42L);
        assertThat(all.coerce("count", new BigInteger("9000000000"))).isEqualTo(9_000_000_000L);
        assertThat(all.coerce("count", 3.0)).isEqualTo(3L);
        assertThat(all.coerce("count", new BigDecimal("7.00"))).isEqualTo(7L);
        assertThat(all.coerce("ratio", 2)).isEqualTo(2.0);
        assertThat(all.coerce("ratio", new BigDecimal("0.25"))).isEqualTo(0.25);
        assertThat(all.coerce("done", true)).isEqualTo(true);
        assertThat(all.coerce("ref", FAMILY.toString().toUpperCase())).isEqualTo(FAMILY);
        assertThat(all.coerce("meta", map("a", List.of(1, "x"))))
                .isEqualTo(map("a", List.of(1L, "x")));
        assertThat(all.coerce("file", map("sha256", SHA, "size", 12, "type", "image/png",
                "name", "a.png"))).isEqualTo(new BlobRef(SHA, 12, "image/png", "a.png"));
        assertThat(all.coerce("file", map("sha256", SHA, "size", 12, "type", "image/png")))
                .isEqualTo(new BlobRef(SHA, 12, "image/png", null));
    }

    @Test
    void typedValuesPassThrough() {
        Instant at = Instant.parse("2026-07-04T10:15:00Z");
        BlobRef ref = new BlobRef(SHA, 3, "text/plain", null);
        assertThat(all.coerce("at", at)).isSameAs(at);
        assertThat(all.coerce("ref", FAMILY)).isSameAs(FAMILY);
        assertThat(all.coerce("file", ref)).isSameAs(ref);
        assertThat(all.coerce("count", 5L)).isEqualTo(5L);
    }

    @Test
    void nullStaysNull() {
        for (FieldSchema f : all.fields()) {
            assertThat(all.coerce(f.name(), null)).isNull();
        }
    }

    @Test
    void datetimeAcceptsOffsetsLocalTimesAsUtcAndPlainDates() {
        assertThat(all.coerce("at", "2026-07-04T10:15:00Z")).isEqualTo(Instant.parse("2026-07-04T10:15:00Z"));
        assertThat(all.coerce("at", "2026-07-04T12:15:00+02:00")).isEqualTo(Instant.parse("2026-07-04T10:15:00Z"));
        assertThat(all.coerce("at", "2026-07-04T10:15:00.250Z")).isEqualTo(Instant.parse("2026-07-04T10:15:00.250Z"));
        assertThat(all.coerce("at", "2026-07-04T10:15:00")).isEqualTo(Instant.parse("2026-07-04T10:15:00Z"));
        assertThat(all.coerce("at", "2026-07-04")).isEqualTo(Instant.parse("2026-07-04T00:00:00Z"));
        assertThat(all.coerce("at", Instant.EPOCH.atOffset(ZoneOffset.ofHours(3))))
                .isEqualTo(Instant.EPOCH);
    }

    @Test
    void wrongTypeMessagesNameFieldTableAndValue() {
        coercing(photos, "title", 42)
                .hasMessage("Field 'title' of table 'photos' must be a string, but got the number 42.")
                .asInstanceOf(type(InvalidException.class))
                .extracting(InvalidException::field).isEqualTo("title");
        coercing(photos, "takenAt", "yesterday").hasMessage(
                "Field 'takenAt' of table 'photos' must be a date-time like 2026-07-04T10:15:00Z, "
                        + "but got \"yesterday\".");
        coercing(photos, "familyId", "family-1")
                .hasMessageStartingWith("Field 'familyId' of table 'photos' must be a UUID like ")
                .hasMessageEndingWith("but got \"family-1\".");
        coercing(all, "done", "yes").hasMessageContaining("must be true or false");
        coercing(all, "ratio", "1.5").hasMessageContaining("must be a number");
        coercing(all, "name", List.of("a")).hasMessageContaining("but got a list.");
    }

    @Test
    void intRejectsFractionsTextAndOutOfRange() {
        coercing(all, "count", 1.5).hasMessageContaining("whole number").hasMessageContaining("1.5");
        coercing(all, "count", "42").hasMessageContaining("whole number").hasMessageContaining("\"42\"");
        coercing(all, "count", new BigInteger("9223372036854775808"))
                .hasMessageContaining("between -9223372036854775808 and 9223372036854775807");
        coercing(all, "count", 1e30).hasMessageContaining("between");
        coercing(all, "count", Double.NaN).hasMessageContaining("whole number");
        assertThat(all.coerce("count", Long.MIN_VALUE)).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void floatRejectsNonFiniteNumbers() {
        coercing(all, "ratio", Double.POSITIVE_INFINITY).hasMessageContaining("finite");
        coercing(all, "ratio", new BigDecimal("1e400")).hasMessageContaining("finite");
    }

    @Test
    void jsonRejectsValuesJsonCannotHold() {
        coercing(all, "meta", map("when", Instant.EPOCH)).hasMessageContaining("must be JSON");
        Map<Object, Object> numericKeys = new HashMap<>();
        numericKeys.put(1, "a");
        coercing(all, "meta", numericKeys).hasMessageContaining("JSON keys are strings");
    }

    @Test
    void blobOfAWrongMimeTypeIsRejected() {
        coercing(photos, "image", new BlobRef(SHA, 1, "audio/mpeg", "a.mp3"))
                .hasMessage("Field 'image' of table 'photos' accepts image/*, not audio/mpeg.");
        assertThat(photos.coerce("image", new BlobRef(SHA, 1, "image/JPEG; q=1", null))).isNotNull();
    }

    @Test
    void blobMapMustBeAValidReference() {
        coercing(all, "file", map("sha256", "abc", "size", 1, "type", "image/png"))
                .hasMessageContaining("'sha256'").hasMessageContaining("\"abc\"");
        coercing(all, "file", map("sha256", SHA, "type", "image/png"))
                .hasMessageContaining("'size' is missing");
        coercing(all, "file", map("sha256", SHA, "size", -1, "type", "image/png"))
                .hasMessageContaining("'size'");
        coercing(all, "file", map("sha256", SHA, "size", 1))
                .hasMessageContaining("'type' is missing");
        coercing(all, "file", map("sha256", SHA, "size", 1, "type", "png"))
                .hasMessageContaining("not a MIME type");
        coercing(all, "file", map("sha256", SHA, "size", 1, "type", "image/png", "url", "x"))
                .hasMessageContaining("unknown key \"url\"")
                .hasMessageContaining("sha256, size, type, name");
        coercing(all, "file", "photo.jpg").hasMessageContaining("blob reference");
    }

    @Test
    void unknownFieldListsTheTablesFields() {
        coercing(photos, "colour", "red").hasMessage("Table 'photos' has no field 'colour'. "
                + "Its fields are: id, title, takenAt, familyId, image, audio.");
        assertThatThrownBy(() -> photos.coerceAll(map("colour", "red")))
                .isInstanceOf(InvalidException.class)
                .hasMessageContaining("has no field 'colour'");
    }

    @Test
    void coerceOfIdReadsAUuid() {
        assertThat(photos.coerce("id", FAMILY.toString())).isEqualTo(FAMILY);
        coercing(photos, "id", 7).hasMessageContaining("UUID");
    }

    @Test
    void coerceAllRejectsTheId() {
        assertThatThrownBy(() -> photos.coerceAll(map("id", FAMILY.toString(), "title", "x")))
                .isInstanceOf(InvalidException.class)
                .hasMessageContaining("id")
                .hasMessageContaining("cannot be set or changed")
                .asInstanceOf(type(InvalidException.class))
                .extracting(InvalidException::field).isEqualTo("id");
    }

    @Test
    void coerceAllKeepsOrderAndNullsThatMeanRemove() {
        Map<String, Object> typed = photos.coerceAll(map("audio", null, "title", "Beach",
                "takenAt", "2026-07-04"));
        assertThat(typed.keySet()).containsExactly("audio", "title", "takenAt");
        assertThat(typed).containsEntry("audio", null)
                .containsEntry("takenAt", Instant.parse("2026-07-04T00:00:00Z"));
    }

    @Test
    void firstMissingRequiredFieldIsReportedInDeclaredOrder() {
        Map<String, Object> typed = map("title", "Beach", "takenAt", Instant.EPOCH, "audio", null);
        assertThat(photos.missingRequired(typed)).containsExactly("familyId", "image");
        assertThatThrownBy(() -> photos.validateComplete(typed))
                .isInstanceOf(InvalidException.class)
                .hasMessage("Field 'familyId' of table 'photos' is required.")
                .asInstanceOf(type(InvalidException.class))
                .extracting(InvalidException::field).isEqualTo("familyId");
        typed.put("familyId", FAMILY);
        typed.put("image", new BlobRef(SHA, 1, "image/png", null));
        photos.validateComplete(typed);
        assertThat(photos.missingRequired(typed)).isEmpty();
    }

    @Test
    void defaultsCoverEveryFieldWithADefault() {
        Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00.123456Z"), ZoneOffset.UTC);
        assertThat(all.defaults(clock)).containsExactly(
                Map.entry("created", Instant.parse("2026-01-01T00:00:00.123Z")),
                Map.entry("level", 1L));
        assertThat(photos.defaults(clock)).isEmpty();
    }

    @Test
    void toJsonWritesEveryTypeInDeclaredOrder() throws Exception {
        Map<String, Object> typed = map(
                "file", new BlobRef(SHA, 12, "image/png", null),
                "meta", map("tags", List.of("a", 1L), "deep", map("x", null)),
                "ref", FAMILY,
                "at", Instant.parse("2026-07-04T10:15:00Z"),
                "done", false,
                "ratio", 0.5,
                "count", 9_000_000_000L,
                "name", "Beach");
        ObjectNode node = all.toJson(typed, true);
        // Compared as text: the order matters, and 1 may be an int or a long node.
        assertThat(node.toString()).isEqualTo(json("""
                {"name": "Beach", "count": 9000000000, "ratio": 0.5, "done": false,
                 "at": "2026-07-04T10:15:00Z", "ref": "9b2e7c1a-4f0e-4a8e-9d3c-2f1e6b7a8c90",
                 "meta": {"tags": ["a", 1], "deep": {"x": null}},
                 "file": {"sha256": "%s", "size": 12, "type": "image/png"}}
                """.formatted(SHA)).toString());
        assertThat(node.fieldNames()).toIterable().containsExactly(
                "name", "count", "ratio", "done", "at", "ref", "meta", "file");
    }

    @Test
    void toJsonLeavesOutBlobsIdAndUnknownFieldsOnRequest() {
        Map<String, Object> typed = map("title", "Beach", "image",
                new BlobRef(SHA, 1, "image/png", "a.png"), "id", FAMILY, "removedField", 1);
        assertThat(photos.toJson(typed, false).fieldNames()).toIterable().containsExactly("title");
        assertThat(photos.toJson(typed, true).get("image").get("name").asText()).isEqualTo("a.png");
    }

    @Test
    void toJsonThenFromJsonGivesBackTheSameValues() throws Exception {
        Map<String, Object> typed = map(
                "name", "Beach ☀",
                "count", -3L,
                "ratio", 1.0E-7,
                "done", true,
                "at", Instant.parse("2026-07-04T10:15:00.123456789Z"),
                "ref", FAMILY,
                "meta", map("n", new BigDecimal("1.50"), "big", new BigInteger("123456789012345678901"),
                        "list", List.of(map(), List.of(), "s", false)),
                "file", new BlobRef(SHA, 0, "application/pdf", "a.pdf"),
                "created", null);
        assertThat(all.fromJson(all.toJson(typed, true))).isEqualTo(typed);
    }

    @Test
    void roundTripThroughJsonTextKeepsTheValues() throws Exception {
        Map<String, Object> typed = map(
                "name", "Ünïcødé \"quoted\"\n",
                "count", Long.MAX_VALUE,
                "ratio", 3.25,
                "at", Instant.parse("+12026-01-01T00:00:00Z"),
                "meta", map("x", 1.5, "y", List.of(1L, true)),
                "file", new BlobRef(SHA, 5, "text/plain", null));
        String text = all.toJson(typed, true).toString();
        assertThat(all.fromJson(json(text))).isEqualTo(typed);
    }

    @Test
    void fromJsonIsStrictAboutTypes() {
        assertThatThrownBy(() -> photos.fromJson(json("{\"title\": 42}")))
                .isInstanceOf(InvalidException.class)
                .hasMessage("Field 'title' of table 'photos' must be a string, but got the number 42.");
        assertThatThrownBy(() -> all.fromJson(json("{\"count\": \"42\"}")))
                .hasMessageContaining("must be a whole number, but got \"42\"");
        assertThatThrownBy(() -> all.fromJson(json("{\"done\": 1}")))
                .hasMessageContaining("must be true or false, but got the number 1");
        assertThatThrownBy(() -> all.fromJson(json("{\"at\": 1720000000}")))
                .hasMessageContaining("date-time");
    }

    @Test
    void fromJsonRejectsIdUnknownKeysAndNonObjects() {
        assertThatThrownBy(() -> photos.fromJson(json("{\"id\": \"" + FAMILY + "\"}")))
                .isInstanceOf(InvalidException.class).hasMessageContaining("cannot be set or changed");
        assertThatThrownBy(() -> photos.fromJson(json("{\"colour\": \"red\"}")))
                .hasMessageContaining("Its fields are: id, title");
        assertThatThrownBy(() -> photos.fromJson(json("[1, 2]")))
                .isInstanceOf(InvalidException.class)
                .hasMessage("A record of table 'photos' must hold a JSON object, but got a list.");
        assertThatThrownBy(() -> photos.fromJson(json("\"x\"")))
                .hasMessageContaining("must hold a JSON object");
    }
}

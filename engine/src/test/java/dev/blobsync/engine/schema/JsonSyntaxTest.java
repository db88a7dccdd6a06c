package dev.blobsync.engine.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class JsonSyntaxTest {
    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static String describe(String json) {
        return JsonSyntax.describe(catchThrowableOfType(() -> STRICT.readTree(json), JsonProcessingException.class));
    }

    @Test
    void everyMessageKeepsThePlaceAndDropsTheParsersInternals() {
        String[] bad = {"{\"a\": 1,}", "{\"a\": 1, \"a\": 2}", "{} {}", "{\"a\": tru}", "{\"a\": \"x", "[1, 2",
            "{\"a\": 01}", "\u0000", "{\"a\": \"\\q\"}", "{\n\"title\": \"x\"\n\"b\": 1}"};
        for (String json : bad) {
            assertThat(describe(json)).as(json.length() > 40 ? json.substring(0, 40) : json)
                    .matches("line \\d+, column \\d+: .+")
                    .doesNotContain("Source", "REDACTED", "StreamReadFeature", "StreamReadConstraints",
                            "DeserializationFeature", "`", "com.fasterxml", "VALUE_", "(code");
        }
    }

    @Test
    void limitsHaveNoPlaceButSayWhichLimit() {
        // Jackson's size limits carry no location; the message still names the limit in words.
        assertThat(describe("[".repeat(1100) + "]".repeat(1100)))
                .isEqualTo("the document is nested more than 1000 levels deep");
        assertThat(describe("{\"a\": " + "9".repeat(1200) + "}"))
                .isEqualTo("Number value length (1200) exceeds the maximum allowed (1000)");
    }

    @Test
    void commonMistakesReadAsWords() {
        assertThat(describe("{\"a\": 1, \"a\": 2}")).endsWith("the key 'a' appears twice at the same level");
        assertThat(describe("{} {}")).endsWith("more text follows the end of the document");
        assertThat(describe("[1, 2")).isEqualTo("line 1, column 6: the text ends too early: expected close marker"
                + " for Array (opened at line 1, column 1)");
        assertThat(describe("{\n\"title\": \"x\"\n\"b\": 1}")).isEqualTo("line 3, column 1: Unexpected character"
                + " ('\"'): was expecting comma to separate Object entries");
    }
}

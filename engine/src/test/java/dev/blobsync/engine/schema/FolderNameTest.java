package dev.blobsync.engine.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class FolderNameTest {
    private static final UUID ID = UUID.fromString("0f8fad5b-d9cb-469f-a165-70867728950e");
    private final TableSchema photos = TestSchemas.photos();

    private String name(String title) {
        Map<String, Object> typed = new HashMap<>();
        typed.put("title", title);
        typed.put("takenAt", Instant.parse("2026-07-04T23:30:00Z"));
        return photos.folderName(ID, typed);
    }

    private String titleOnly(String title) {
        TableSchema notes = TestSchemas.parse("notes: {$folderName: '{title}', title: string}")
                .table("notes");
        return notes.folderName(ID, Map.of("title", title));
    }

    private static int utf8Bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static void assertValidUtf8(String s) throws CharacterCodingException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        String decoded = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes)).toString();
        assertThat(decoded).isEqualTo(s);
    }

    @Test
    void templateRendersDatesInUtcAndFieldValues() {
        assertThat(name("Beach Day")).isEqualTo("2026-07-04 Beach Day");
    }

    @Test
    void datetimeWithoutPatternAndOtherTypesRenderAsText() {
        TableSchema t = TestSchemas.parse("""
                t:
                  $folderName: "{n}-{f}-{b}-{u}-{at}-{j} [{id}] {{x}}"
                  n: int
                  f: float
                  b: bool
                  u: uuid
                  at: datetime
                  j: json
                """).table("t");
        Map<String, Object> typed = Map.of("n", 7L, "f", 2.0, "b", true, "u", ID,
                "at", Instant.parse("2026-07-04T10:15:00Z"), "j", Map.of("k", 1L));
        assertThat(t.folderName(ID, typed)).isEqualTo(
                "7-2-true-" + ID + "-2026-07-04T10:15:00Z-{\"k\":1} [" + ID + "] {x}");
    }

    @Test
    void missingValuesRenderEmptyAndWhitespaceCollapses() {
        assertThat(photos.folderName(ID, Map.of("title", "  Beach \t\n  Day  "))).isEqualTo("Beach Day");
        assertThat(photos.folderName(ID, Map.of("takenAt", "2026-07-04"))).isEqualTo("2026-07-04");
    }

    @Test
    void noTemplateOrNothingLeftGivesTheId() {
        TableSchema plain = TestSchemas.parse("t: {title: string}").table("t");
        assertThat(plain.folderName(ID, Map.of("title", "x"))).isEqualTo(ID.toString());
        assertThat(photos.folderName(ID, Map.of())).isEqualTo(ID.toString());
        assertThat(titleOnly("   ")).isEqualTo(ID.toString());
    }

    @Test
    void slashInATitleCannotMakeASubfolder() {
        assertThat(name("AC/DC live")).isEqualTo("2026-07-04 AC∕DC live");
        assertThat(titleOnly("../../etc/passwd")).isEqualTo("..∕..∕etc∕passwd");
        assertThat(titleOnly("/")).isEqualTo("∕");
    }

    @Test
    void dotNamesAndTheEnginesOwnFolderGiveTheId() {
        assertThat(titleOnly(".")).isEqualTo(ID.toString());
        assertThat(titleOnly("..")).isEqualTo(ID.toString());
        assertThat(titleOnly(" .. ")).isEqualTo(ID.toString());
        assertThat(titleOnly(".blobsync")).isEqualTo(ID.toString());
        assertThat(titleOnly(".blobsync-old")).isEqualTo(ID.toString());
        assertThat(titleOnly("...")).isEqualTo("...");
    }

    @Test
    void controlCharactersAndNulAreDropped() {
        assertThat(titleOnly("a\u0000b\u0007c\u001bd\u007fe")).isEqualTo("abcde");
        assertThat(titleOnly("\u0000\u0001")).isEqualTo(ID.toString());
        assertThat(titleOnly("line1\r\nline2")).isEqualTo("line1 line2");
        assertThat(titleOnly("lone \uD800 surrogate")).isEqualTo("lone surrogate");
    }

    @Test
    void longUnicodeTitleIsCutToAtMost200BytesOfValidUtf8() throws Exception {
        String title = "é".repeat(150); // 300 bytes
        assertThat(utf8Bytes(title)).isEqualTo(300);
        String name = titleOnly(title);
        assertThat(utf8Bytes(name)).isLessThanOrEqualTo(200).isGreaterThan(190);
        assertThat(name).isEqualTo("é".repeat(100));
        assertValidUtf8(name);

        String mixed = "ab" + "日本語".repeat(40);
        String cut = titleOnly(mixed);
        assertThat(utf8Bytes(cut)).isLessThanOrEqualTo(200);
        assertThat(mixed).startsWith(cut);
        assertValidUtf8(cut);
    }

    @Test
    void emojiAreNeverSplit() throws Exception {
        String smile = "\uD83D\uDE00"; // 4 bytes, a surrogate pair
        String name = titleOnly("x" + smile.repeat(60));
        assertThat(utf8Bytes(name)).isEqualTo(197);
        assertThat(name).isEqualTo("x" + smile.repeat(49));
        assertValidUtf8(name);

        String family = "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67"; // 18 bytes, one character
        String families = titleOnly(family.repeat(20));
        assertThat(families).isEqualTo(family.repeat(11));
        assertValidUtf8(families);
    }

    @Test
    void truncationDoesNotLeaveATrailingSpace() {
        String title = "a".repeat(199) + " bcd";
        assertThat(titleOnly(title)).isEqualTo("a".repeat(199));
    }

    @Test
    void uncoercibleDraftValuesRenderEmpty() {
        assertThat(photos.folderName(ID, Map.of("title", "Beach", "takenAt", "someday")))
                .isEqualTo("Beach");
    }
}

package dev.blobsync.engine.schema;

import static dev.blobsync.engine.schema.TestSchemas.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import dev.blobsync.engine.NotFoundException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

class SchemaParsingTest {

    private static AbstractThrowableAssert<?, ? extends Throwable> parsing(String yaml) {
        return assertThatThrownBy(() -> parse(yaml)).isInstanceOf(SchemaException.class);
    }

    private static void failsAt(String yaml, String keyPath, String... messageParts) {
        parsing(yaml)
                .hasMessageContaining("'" + keyPath + "'")
                .hasMessageContainingAll(messageParts)
                .asInstanceOf(type(SchemaException.class))
                .extracting(SchemaException::keyPath).isEqualTo(keyPath);
    }

    @Test
    void rfcPhotosSchemaGivesFieldsInDeclaredOrderWithoutId() {
        TableSchema photos = TestSchemas.photos();
        assertThat(photos.name()).isEqualTo("photos");
        assertThat(photos.fields()).extracting(FieldSchema::name)
                .containsExactly("title", "takenAt", "familyId", "image", "audio");
        assertThat(photos.fields()).extracting(FieldSchema::type).containsExactly(
                FieldType.STRING, FieldType.DATETIME, FieldType.UUID, FieldType.BLOB, FieldType.BLOB);
        assertThat(photos.field("audio")).get()
                .satisfies(f -> assertThat(f.optional()).isTrue())
                .satisfies(f -> assertThat(f.mimeTypes()).containsExactly("audio/*"));
        assertThat(photos.field("image").orElseThrow().optional()).isFalse();
        assertThat(photos.field("id")).isEmpty();
        assertThat(photos.field("colour")).isEmpty();
        assertThat(photos.blobFields()).extracting(FieldSchema::name).containsExactly("image", "audio");
        assertThat(photos.folderNameTemplate()).isEqualTo("{takenAt:yyyy-MM-dd} {title}");
    }

    @Test
    void idIsImplicitWhenAbsent() {
        TableSchema notes = parse("notes: {title: string}").table("notes");
        assertThat(notes.fields()).extracting(FieldSchema::name).containsExactly("title");
        assertThat(notes.folderNameTemplate()).isNull();
    }

    @Test
    void blobFieldForPicksTheFirstBlobFieldAcceptingTheType() {
        TableSchema photos = TestSchemas.photos();
        assertThat(photos.blobFieldFor("image/jpeg")).get().extracting(FieldSchema::name).isEqualTo("image");
        assertThat(photos.blobFieldFor("audio/mpeg")).get().extracting(FieldSchema::name).isEqualTo("audio");
        assertThat(photos.blobFieldFor("application/pdf")).isEmpty();
    }

    @Test
    void tablesKeepDeclaredOrderAndUnknownTableListsTheTables() {
        Schema schema = parse("photos: {title: string}\nnotes: {body: string}\n");
        assertThat(schema.tables().keySet()).containsExactly("photos", "notes");
        assertThat(schema.find("notes")).isPresent();
        assertThat(schema.find("x")).isEmpty();
        assertThatThrownBy(() -> schema.table("x"))
                .isInstanceOf(NotFoundException.class)
                .hasMessage("No table 'x' in the schema. Tables: photos, notes.");
        assertThatThrownBy(() -> schema.tables().put("y", null))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void defaultsAreCoercedAtParseTime() {
        TableSchema t = parse("""
                t:
                  count: {type: int, default: 3}
                  ratio: {type: float, default: 1}
                  at: {type: datetime, default: '2026-01-02'}
                  created: {type: datetime, default: now}
                  key: {type: uuid, default: random}
                  flags: {type: json, default: {a: [1, 2]}}
                """).table("t");
        assertThat(t.field("count").orElseThrow().defaultValue()).isEqualTo(3L);
        assertThat(t.field("ratio").orElseThrow().defaultValue()).isEqualTo(1.0);
        assertThat(t.field("at").orElseThrow().defaultValue())
                .isEqualTo(Instant.parse("2026-01-02T00:00:00Z"));
        assertThat(t.field("created").orElseThrow().defaultValue()).isEqualTo("now");
        assertThat(t.field("key").orElseThrow().defaultValue()).isEqualTo("random");
        assertThat(t.field("flags").orElseThrow().defaultValue())
                .isEqualTo(Map.of("a", List.of(1L, 2L)));
    }

    @Test
    void defaultOfTheWrongTypeIsRejectedWithItsKeyPath() {
        failsAt("t: {count: {type: int, default: 'three'}}", "t.count.default",
                "must be a whole number", "\"three\"");
        failsAt("t: {at: {type: datetime, default: tomorrow}}", "t.at.default",
                "date-time", "now");
        failsAt("t: {title: string, image: {type: blob, default: x}}", "t.image.default",
                "blob fields have no default");
    }

    @Test
    void unknownTypeListsTheAcceptedTypes() {
        failsAt("photos: {title: strng}", "photos.title", "strng",
                "uuid, string, int, float, bool, datetime, json, blob");
        failsAt("photos: {title: {type: text}}", "photos.title.type", "text",
                "uuid, string, int, float, bool, datetime, json, blob");
        failsAt("photos: {title: {optional: true}}", "photos.title.type", "missing");
    }

    @Test
    void unknownKeyInAFieldIsRejectedWithTheAcceptedKeys() {
        failsAt("photos: {image: {type: blob, mimeType: ['image/*']}}", "photos.image.mimeType",
                "unknown key", "type, optional, mimeTypes, default");
    }

    @Test
    void mimeTypesAreOnlyForBlobs() {
        failsAt("photos: {title: {type: string, mimeTypes: ['text/*']}}", "photos.title.mimeTypes",
                "only allowed on blob fields", "string");
    }

    @Test
    void malformedMimeTypesAreRejected() {
        failsAt("photos: {image: {type: blob, mimeTypes: ['image']}}", "photos.image.mimeTypes",
                "\"image\"", "type/subtype", "type/*");
        failsAt("photos: {image: {type: blob, mimeTypes: 5}}", "photos.image.mimeTypes",
                "must be a list");
    }

    @Test
    void singleMimeTypeStringIsTakenAsAList() {
        TableSchema t = parse("docs: {file: {type: blob, mimeTypes: application/pdf}}").table("docs");
        assertThat(t.field("file").orElseThrow().mimeTypes()).containsExactly("application/pdf");
    }

    @Test
    void optionalMustBeABoolean() {
        failsAt("photos: {title: {type: string, optional: 'yes'}}", "photos.title.optional",
                "true or false");
    }

    @Test
    void idMustBeAUuid() {
        failsAt("photos: {id: string, title: string}", "photos.id", "always", "uuid");
        failsAt("photos: {id: {type: uuid, optional: true}, title: string}", "photos.id", "uuid");
        assertThat(parse("photos: {id: {type: uuid}, title: string}").table("photos").fields())
                .hasSize(1);
    }

    @Test
    void tableWithOnlyAnIdIsRejected() {
        failsAt("photos: {id: uuid}", "photos", "no fields besides id");
        failsAt("photos: {}", "photos", "no fields besides id");
    }

    @Test
    void tableMustBeAMap() {
        failsAt("photos: string", "photos", "must be a map of field names to types");
    }

    @Test
    void emptySchemaIsRejected() {
        assertThatThrownBy(() -> Schema.fromTree(Map.of()))
                .isInstanceOf(SchemaException.class)
                .hasMessageContaining("no tables");
    }

    @Test
    void namesMustStartWithALetter() {
        failsAt("photos: {2nd: string}", "photos.2nd", "not a valid field name");
        failsAt("photos: {'taken-at': string}", "photos.taken-at", "not a valid field name");
        failsAt("'my photos': {title: string}", "my photos", "not a valid table name");
    }

    @Test
    void unknownTableOptionIsRejected() {
        failsAt("photos: {$sortBy: title, title: string}", "photos.$sortBy",
                "unknown table option", "$folderName");
    }

    @Test
    void folderNameTemplateMustNameExistingNonBlobFields() {
        failsAt(TestSchemas.PHOTOS.replace("{title}", "{titel}"), "photos.$folderName",
                "'titel'", "id, title, takenAt, familyId");
        failsAt(TestSchemas.PHOTOS.replace("{title}", "{image}"), "photos.$folderName",
                "blob field 'image'");
    }

    @Test
    void folderNamePatternIsCheckedAtParseTime() {
        failsAt(TestSchemas.PHOTOS.replace("yyyy-MM-dd", "yyyy-bb"), "photos.$folderName",
                "yyyy-bb", "not a date-time pattern");
        failsAt(TestSchemas.PHOTOS.replace("{title}", "{title:yyyy}"), "photos.$folderName",
                "only datetime fields");
        failsAt(TestSchemas.PHOTOS.replace("{title}", "{title"), "photos.$folderName",
                "without a closing '}'");
    }

    @Test
    void prefixIsAddedToEveryKeyPath() {
        assertThatThrownBy(() -> Schema.fromTree(TestSchemas.tree("photos: {title: strng}"), "schema"))
                .isInstanceOf(SchemaException.class)
                .hasMessageContaining("'schema.photos.title'")
                .asInstanceOf(type(SchemaException.class))
                .extracting(SchemaException::keyPath).isEqualTo("schema.photos.title");
    }
}

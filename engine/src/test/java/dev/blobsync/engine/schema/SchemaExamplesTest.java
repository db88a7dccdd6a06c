package dev.blobsync.engine.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.blobsync.engine.config.ConfigLoader;
import dev.blobsync.engine.config.EngineConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The schemas in {@code schema-examples/} parse and hold what their README promises. */
class SchemaExamplesTest {
    private static final Path EXAMPLES = Path.of("..", "schema-examples");

    private static Map<String, Schema> loadAll() throws IOException {
        Map<String, Schema> schemas = new TreeMap<>();
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".schema.yaml"))
                    .toList()) {
                Map<String, Object> tree = new YAMLMapper().readValue(file.toFile(),
                        new TypeReference<LinkedHashMap<String, Object>>() {
                        });
                schemas.put(file.getFileName().toString(), Schema.fromTree(tree));
            }
        }
        return schemas;
    }

    private static List<String> fieldsOf(TableSchema table) {
        return table.fields().stream().map(f -> f.name() + ":" + f.type().typeName()
                + (f.optional() ? "?" : "")).toList();
    }

    @Test
    void everyExampleSchemaParsesWithTheExpectedTablesAndFields() throws IOException {
        Map<String, Schema> schemas = loadAll();
        assertThat(schemas).containsOnlyKeys("photos.schema.yaml", "notes.schema.yaml",
                "music.schema.yaml", "documents.schema.yaml");

        TableSchema photos = schemas.get("photos.schema.yaml").table("photos");
        assertThat(schemas.get("photos.schema.yaml").tables()).containsOnlyKeys("photos");
        assertThat(fieldsOf(photos)).containsExactly("title:string", "takenAt:datetime",
                "familyId:uuid", "image:blob", "audio:blob?");
        assertThat(photos.field("image").orElseThrow().mimeTypes()).containsExactly("image/*");
        assertThat(photos.field("audio").orElseThrow().mimeTypes()).containsExactly("audio/*");
        assertThat(photos.folderNameTemplate()).isEqualTo("{takenAt:yyyy-MM-dd} {title}");

        TableSchema notes = schemas.get("notes.schema.yaml").table("notes");
        assertThat(fieldsOf(notes)).containsExactly("title:string", "body:string",
                "updatedAt:datetime", "tags:json?", "image:blob?", "attachment:blob?");
        assertThat(notes.blobFieldFor("image/png")).get().extracting(FieldSchema::name)
                .isEqualTo("image");
        assertThat(notes.blobFieldFor("application/zip")).get().extracting(FieldSchema::name)
                .isEqualTo("attachment");

        TableSchema tracks = schemas.get("music.schema.yaml").table("tracks");
        assertThat(fieldsOf(tracks)).containsExactly("title:string", "artist:string",
                "album:string", "trackNo:int?", "durationSec:float?", "audio:blob",
                "albumArt:blob?");
        assertThat(tracks.blobFieldFor("audio/flac")).get().extracting(FieldSchema::name)
                .isEqualTo("audio");
        assertThat(tracks.blobFieldFor("image/jpeg")).get().extracting(FieldSchema::name)
                .isEqualTo("albumArt");

        TableSchema documents = schemas.get("documents.schema.yaml").table("documents");
        assertThat(fieldsOf(documents)).containsExactly("title:string", "addedAt:datetime",
                "notes:string?", "tags:json?", "document:blob");
        assertThat(documents.blobFieldFor("application/pdf")).isPresent();
        assertThat(documents.blobFieldFor("image/png")).isEmpty();
    }

    @Test
    void photosExampleNamesFoldersLikeTheArchitecturePage() throws IOException {
        TableSchema photos = loadAll().get("photos.schema.yaml").table("photos");
        assertThat(photos.folderName(UUID.randomUUID(), Map.of("title", "Beach Day",
                "takenAt", Instant.parse("2026-07-04T10:15:00Z")))).isEqualTo("2026-07-04 Beach Day");
    }

    @Test
    void exampleConfigurationLoads() {
        EngineConfig config = ConfigLoader.load(EXAMPLES.resolve("blobsync.example.yaml"));
        assertThat(config.schema().tables()).containsOnlyKeys("photos");
        assertThat(config.cache().maxSize()).isEqualTo(5_000_000_000L);
        assertThat(config.cache().directory())
                .isEqualTo(EXAMPLES.toAbsolutePath().normalize().resolve("cache"));
    }
}

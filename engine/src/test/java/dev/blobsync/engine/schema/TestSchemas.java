package dev.blobsync.engine.schema;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Schemas written as YAML text, for tests. */
final class TestSchemas {
    static final String PHOTOS = """
            photos:
              $folderName: "{takenAt:yyyy-MM-dd} {title}"
              id: uuid
              title: string
              takenAt: datetime
              familyId: uuid
              image: { type: blob, mimeTypes: ['image/*'] }
              audio: { type: blob, mimeTypes: ['audio/*'], optional: true }
            """;

    private static final YAMLMapper YAML = new YAMLMapper();

    private TestSchemas() {
    }

    static Map<String, Object> tree(String yaml) {
        try {
            return YAML.readValue(yaml, new TypeReference<LinkedHashMap<String, Object>>() {
            });
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Schema parse(String yaml) {
        return Schema.fromTree(tree(yaml));
    }

    static TableSchema photos() {
        return parse(PHOTOS).table("photos");
    }
}

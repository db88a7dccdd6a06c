package dev.blobsync.engine.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FieldTypeTest {

    @Test
    void everyTypeIsFoundByItsSchemaName() {
        for (FieldType type : FieldType.values()) {
            assertThat(FieldType.fromName(type.typeName())).isEqualTo(type);
        }
        assertThat(FieldType.DATETIME.typeName()).isEqualTo("datetime");
        assertThat(FieldType.fromName("Blob")).isEqualTo(FieldType.BLOB);
    }

    @Test
    void unknownTypeNameListsTheAcceptedNames() {
        assertThatThrownBy(() -> FieldType.fromName("text"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'text'")
                .hasMessageContaining("uuid, string, int, float, bool, datetime, json, blob");
    }
}

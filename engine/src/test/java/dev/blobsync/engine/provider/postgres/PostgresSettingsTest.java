package dev.blobsync.engine.provider.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.blobsync.engine.config.ConfigException;
import dev.blobsync.engine.config.ProviderConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PostgresSettingsTest {
    private static ProviderConfig pc(Map<String, Object> options) {
        return new ProviderConfig("postgres", options, "data", null);
    }

    @Test
    void aPostgresUrlBecomesAJdbcUrlWithoutCredentials() {
        PostgresSettings s = PostgresSettings.from(pc(Map.of("url",
                "postgres://alice:s3cret@db.example.com:6543/family?sslmode=require")), k -> null);
        assertThat(s.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example.com:6543/family?sslmode=require");
        assertThat(s.user()).isEqualTo("alice");
        assertThat(s.password()).isEqualTo("s3cret");
        assertThat(s.schema()).isEqualTo("blobsync");
        assertThat(s.describe() + s).doesNotContain("s3cret");
        assertThat(pc(Map.of("url", "postgres://alice:s3cret@db/family")).toString()).doesNotContain("s3cret");
    }

    @Test
    void passwordsComeFromTheEnvironmentAndAMissingVariableIsNamed() {
        PostgresSettings s = PostgresSettings.from(pc(Map.of("url", "postgres://bob@h/db", "password",
                "${BLOBSYNC_PG_PASSWORD}")), Map.of("BLOBSYNC_PG_PASSWORD", "from-env")::get);
        assertThat(s.password()).isEqualTo("from-env");
        assertThat(pc(Map.of("url", "postgres://bob@h/db", "password", "${BLOBSYNC_PG_PASSWORD}")).toString())
                .doesNotContain("from-env");
        assertThatThrownBy(() -> PostgresSettings.from(pc(Map.of("url", "postgres://bob@h/db", "password",
                "${NOPE_NOT_SET}")), k -> null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("NOPE_NOT_SET").hasMessageContaining("data.config.password");
    }

    @Test
    void aUrlWithoutDatabaseOrUserSaysWhatToWrite() {
        assertThatThrownBy(() -> PostgresSettings.from(pc(Map.of("url", "postgres://alice@host")), k -> null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("names no database");
        assertThatThrownBy(() -> PostgresSettings.from(pc(Map.of("url", "postgres://host/db")), k -> null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("data.config.user");
        assertThatThrownBy(() -> PostgresSettings.from(pc(Map.of("url", "mysql://a@h/db")), k -> null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("postgres://");
    }
}

package dev.blobsync.fs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.Record;
import dev.blobsync.engine.provider.sqlite.SqliteHubDataProvider;
import dev.blobsync.engine.spi.Mutation;
import dev.blobsync.engine.spi.PushResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Invariant 6 in the mount: the version that lost a conflict is readable in .blobsync/conflicts/. */
class ConflictsIT {
    @RegisterExtension
    final MountExtension mount = new MountExtension();

    @Test
    void theLosingVersionOfAConflictIsAFileInBlobsyncConflicts() throws Exception {
        // No polling: this device does not see the other device's edit before pushing its own.
        mount.hub().pollInterval("1h");
        mount.remount();
        Record r = mount.engine().table("notes").insert(Map.of("title", "Shopping", "body", "milk"));
        assertThat(mount.engine().flush(Duration.ofSeconds(15))).isTrue();
        long rev = mount.engine().table("notes").get(r.id()).orElseThrow().rev();

        ObjectNode theirs = new ObjectMapper().createObjectNode().put("body", "milk, eggs");
        try (SqliteHubDataProvider other = SqliteHubDataProvider.open(mount.hub().hub())) {
            PushResult pr = other.push(List.of(new Mutation(UUID.randomUUID().toString(), "notes", r.id(), rev,
                    Mutation.Op.UPSERT, theirs,
                    Map.of("body", new dev.blobsync.engine.spi.Hlc(System.currentTimeMillis(), 0, "other"))))).get(0);
            assertThat(pr.status()).isEqualTo(PushResult.Status.APPLIED);
        }
        mount.engine().table("notes").update(r.id(), Map.of("body", "milk, bread"));
        assertThat(mount.engine().flush(Duration.ofSeconds(15))).isTrue();

        Path conflicts = mount.mnt().resolve(".blobsync/conflicts");
        List<Path> files;
        try (Stream<Path> s = Files.list(conflicts)) {
            files = s.toList();
        }
        assertThat(files).singleElement().satisfies(f -> assertThat(f.getFileName().toString())
                .endsWith("-notes-" + r.id() + ".json"));
        JsonNode kept = new ObjectMapper().readTree(Files.readAllBytes(files.get(0)));
        assertThat(kept.path("resolution").asText()).isEqualTo("last-write-wins");
        assertThat(kept.path("winner").asText()).isEqualTo("local");
        assertThat(kept.path("remote").path("body").asText()).isEqualTo("milk, eggs");
        assertThat(kept.path("local").path("body").asText()).isEqualTo("milk, bread");
        assertThat(Files.readString(mount.mnt().resolve("notes/Shopping/meta.json"))).contains("milk, bread");
    }
}

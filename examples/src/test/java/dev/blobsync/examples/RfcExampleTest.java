package dev.blobsync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the README's example as it is and checks that every RFC step did what it says. */
class RfcExampleTest {
    @TempDir
    Path tmp;

    @Test
    void exampleWalksThroughEveryRfcStepAgainstAHubFolder() throws Exception {
        Path hub = tmp.resolve("hub");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            Assertions.assertTimeoutPreemptively(Duration.ofSeconds(120),
                    () -> RfcExample.run(new String[] {hub.toString()}, out));
        }
        String output = bytes.toString(StandardCharsets.UTF_8);

        assertThat(output).containsSubsequence(
                "== 1. Configuration", "engine open: hub " + hub,
                "== 2. Events", "listening to events",
                "== 3. Live query", "useSync -> 0 photo(s)",
                "== 4. Insert with image and audio", "insert returned at once: Beach Day, state queued",
                "useSync -> 1 photo(s)", "Beach Day [queued]", "image: file:", "audio: file:",
                "blobUrls[id].image reads 40000 bytes, the same as written", "insert synced: rev 1, state synced",
                "== 5. Update a blob", "update returned at once: audio is now laughter.m4a", "update synced: rev 2",
                "== 6. Cache", "items 3, pending uploads 0",
                "== 7. Offline queue", "pending: 2 item(s)", "upload picnic.jpg 30000 bytes", "insert Picnic",
                "flush: everything synced",
                "== 8. Another device", "the other device sees: [Beach Day, Picnic]",
                "its edit reaches this device's live query", "Picnic by the lake [synced]",
                "== 9. Delete", "delete synced", "useSync -> 1 photo(s)",
                "done");
        assertThat(output).contains("[event] uploadComplete ", "[event] uploadProgress ");
        assertThat(output).doesNotContain("[event] syncError", "DIFFERENT");
        // The hub given on the command line stays, holding what the example synced.
        assertThat(hub.resolve("data.db")).exists();
        try (var blobs = Files.walk(hub.resolve("blobs"))) {
            assertThat(blobs.filter(Files::isRegularFile).count()).isGreaterThanOrEqualTo(4);
        }
    }
}

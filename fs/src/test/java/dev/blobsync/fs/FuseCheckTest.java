package dev.blobsync.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user reads when FUSE is missing: each missing part, and the command that installs it. */
class FuseCheckTest {
    @TempDir
    Path empty;

    @Test
    void aMachineWithoutFuseIsToldWhatIsMissingAndHowToInstallIt() {
        List<String> missing = Mounts.missingFuseParts(empty.resolve("fuse"), List.of(empty.toString()),
                empty.toString());
        assertThat(missing).hasSize(3);
        String message = BlobsyncFs.unavailableMessage(missing);
        assertThat(message).contains(empty.resolve("fuse").toString()).contains("libfuse.so.2 (package libfuse2)")
                .contains("fusermount (package fuse)").contains("sudo apt-get install fuse libfuse2")
                .contains("Ubuntu 22.04");
    }

    @Test
    void onlyWhatIsMissingIsNamed() {
        List<String> missing = Mounts.missingFuseParts(Path.of("/dev/null"), List.of(empty.toString()),
                System.getenv("PATH"));
        assertThat(missing).singleElement().asString().contains("libfuse.so.2");
    }
}

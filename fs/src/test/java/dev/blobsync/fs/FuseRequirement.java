package dev.blobsync.fs;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** Real-mount tests need FUSE: without it they fail on CI (CI=true) and are skipped elsewhere. */
public final class FuseRequirement {
    private FuseRequirement() {
    }

    public static void require() {
        try {
            BlobsyncFs.checkFuseAvailable();
        } catch (FuseUnavailableException e) {
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail("CI must be able to mount: " + e.getMessage());
            }
            Assumptions.abort("skipped, no FUSE here: " + e.getMessage());
        }
    }
}

package dev.blobsync.fs;

import static dev.blobsync.fs.FilledHub.RECORDS;
import static dev.blobsync.fs.FirstListingIT.attr;
import static dev.blobsync.fs.FirstListingIT.lsCount;
import static dev.blobsync.fs.FirstListingIT.status;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 9, defect 5, the other half: a listing that does not wait for the first pull (here
 * {@code firstListingWait} 0; by default when the provider is unreachable, or after the wait)
 * shows what the cache has, and the table says it is {@code loading}.
 */
class FirstListingNoWaitIT {
    @RegisterExtension
    final MountExtension mount = new MountExtension(FilledHub::copyInto)
            .withOptions(FsOptions.defaults().withFirstListingWait(Duration.ZERO));

    /**
     * Checked over and over until the pull is done: whenever the state read just before a
     * listing was {@code loaded}, that listing was complete; every partial one was marked.
     */
    @Test
    void aListingThatDoesNotWaitIsMarkedLoading() throws IOException {
        Sh.require("getfattr");
        Path photos = mount.mnt().resolve("photos");
        int partialListings = 0;
        int rounds = 0;
        while (true) {
            rounds++;
            String state = attr(mount.root(), photos, "user.blobsync.state");
            String statusState = status(mount.mnt()).path("pull").path("state").asText();
            long listed = lsCount(mount.root(), photos);
            if (state.equals("loaded")) {
                assertThat(listed).as("a listing made while the table said loaded").isEqualTo(RECORDS);
                assertThat(statusState).isEqualTo("caught-up");
                break;
            }
            assertThat(state).isEqualTo("loading");
            assertThat(statusState).isEqualTo("loading");
            if (listed < RECORDS) {
                partialListings++;
            }
            assertThat(rounds).as("the first pull finishes").isLessThan(5_000);
        }
        System.out.printf("listing without waiting on a fresh cache: %d rounds, %d partial listings, each marked"
                + " loading%n", rounds, partialListings);
    }
}

package dev.blobsync.fs;

import static dev.blobsync.fs.FilledHub.RECORDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 9, defect 5: on a cache that has never caught up with the hub, the first listing of a
 * table does not silently show part of it. The behaviour chosen: {@code readdir} of a table waits
 * (up to {@link FsOptions#firstListingWait()}, 30 s by default) until the first pull has caught
 * up; while it has not, the table folder says {@code user.blobsync.state=loading} with the records
 * it holds so far in {@code user.blobsync.progress}, and {@code status.json} says
 * {@code "pull": {"state": "loading"}}. A cache that caught up before never waits.
 */
class FirstListingIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Two minutes instead of the default 30 s: what is tested is that the listing waits for the
     * pull, and a loaded CI machine must not turn the bound into the result.
     */
    @RegisterExtension
    final MountExtension mount = new MountExtension(FilledHub::copyInto)
            .withOptions(FsOptions.defaults().withFirstListingWait(java.time.Duration.ofMinutes(2)));

    static String attr(Path root, Path p, String name) throws IOException {
        Sh.Result r = Sh.run(root, "getfattr", "--only-values", "-n", name, p.toString());
        return r.exit() == 0 ? r.out() : "(none: " + r.err().strip() + ")";
    }

    static JsonNode status(Path mnt) throws IOException {
        return JSON.readTree(Files.readAllBytes(mnt.resolve(".blobsync/status.json")));
    }

    /** Entries {@code ls -l} prints for {@code dir} (its lines minus "total"). */
    static long lsCount(Path root, Path dir) throws IOException {
        Sh.Result ls = Sh.run(root, "ls", "-l", dir.toString());
        assertThat(ls.exit()).as(ls.err()).isZero();
        return ls.out().lines().filter(l -> !l.startsWith("total")).count();
    }

    @Test
    void theFirstLsOfAFreshCacheShowsEveryRecordAndARestartDoesNotWait() throws IOException {
        Sh.require("getfattr");
        Path photos = mount.mnt().resolve("photos");
        String stateBefore = attr(mount.root(), photos, "user.blobsync.state");
        String progressBefore = attr(mount.root(), photos, "user.blobsync.progress");
        JsonNode statusBefore = status(mount.mnt());
        // The last record the pull brings: looked up by name before any listing, it is there.
        String last = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(java.time.ZoneOffset.UTC)
                .format(java.time.Instant.parse("2026-01-01T00:00:00Z").plusSeconds(60L * (RECORDS - 1)))
                + " Photo " + (RECORDS - 1);
        Sh.Result stat = Sh.run(mount.root(), "stat", photos.resolve(last).toString());
        assertThat(stat.exit()).as("stat of %s: %s", last, stat.err()).isZero();

        long listed = lsCount(mount.root(), photos);
        Sh.Result find = Sh.run(mount.root(), "find", photos.toString(), "-mindepth", "1", "-maxdepth", "1");
        long found = find.out().lines().count();
        System.out.printf("first listing of a fresh cache, %d records on the hub: state before ls %s (progress %s,"
                + " status.json pull %s), ls -l %d entries, find %d%n", RECORDS, stateBefore, progressBefore,
                statusBefore.path("pull"), listed, found);

        assertThat(listed).as("the first ls -l").isEqualTo(RECORDS);
        assertThat(found).as("find right after").isEqualTo(RECORDS);
        assertThat(stateBefore).isIn("loading", "loaded");
        if (stateBefore.equals("loading")) {
            assertThat(Long.parseLong(progressBefore)).isBetween(0L, (long) RECORDS);
            assertThat(statusBefore.path("pull").path("state").asText()).isEqualTo("loading");
        }
        assertThat(attr(mount.root(), photos, "user.blobsync.state")).isEqualTo("loaded");
        assertThat(attr(mount.root(), photos, "user.blobsync.progress")).startsWith("(none");
        JsonNode after = status(mount.mnt());
        assertThat(after.path("pull").path("state").asText()).isEqualTo("caught-up");
        assertThat(after.path("tables").path("photos").path("synced").asLong()).isEqualTo(RECORDS);

        mount.remount();
        // Nothing listed first: that the cache caught up is known from its store as soon as it mounts.
        assertThat(attr(mount.root(), photos, "user.blobsync.state")).isEqualTo("loaded");
        assertThat(status(mount.mnt()).path("pull").path("state").asText()).isEqualTo("caught-up");
        assertThat(lsCount(mount.root(), photos)).isEqualTo(RECORDS);
    }
}

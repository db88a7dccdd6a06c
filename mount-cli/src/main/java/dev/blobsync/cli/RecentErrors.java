package dev.blobsync.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last refusals of a mount (a save refused with its reason), newest first, kept in
 * {@code <cache>/recent-errors.json} so that {@code blobsync status} shows them while the mount
 * runs and after it stopped. Bounded to {@link #KEEP} entries.
 */
final class RecentErrors {
    static final int KEEP = 20;
    private static final Logger LOG = LoggerFactory.getLogger(RecentErrors.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Clock clock;
    // guarded by this
    private final Deque<Views.Problem> entries = new ArrayDeque<>();

    RecentErrors(Path cacheDir, Clock clock) {
        this.file = cacheDir.resolve("recent-errors.json");
        this.clock = clock;
        for (Views.Problem p : read(cacheDir)) {
            entries.addLast(p);
        }
    }

    /** The kept refusals of the mount using {@code cacheDir}, newest first; empty when none were kept. */
    static List<Views.Problem> read(Path cacheDir) {
        Path f = cacheDir.resolve("recent-errors.json");
        try {
            return Files.isRegularFile(f) ? JSON.readValue(f.toFile(), new TypeReference<List<Views.Problem>>() { })
                    : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    synchronized void add(String path, String reason) {
        entries.addFirst(new Views.Problem(clock.instant().toString(), path, reason));
        while (entries.size() > KEEP) {
            entries.removeLast();
        }
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, JSON.writeValueAsString(new ArrayList<>(entries)));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.warn("Cannot keep the last errors in {}: {}", file, e.toString());
        }
    }

    synchronized List<Views.Problem> list() {
        return List.copyOf(entries);
    }
}

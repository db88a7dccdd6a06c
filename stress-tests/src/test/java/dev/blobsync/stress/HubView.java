package dev.blobsync.stress;

import dev.blobsync.engine.cache.ChunkManifest;
import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.provider.sqlite.SqliteHubDataProvider;
import dev.blobsync.engine.spi.ChangePage;
import dev.blobsync.engine.spi.RemoteRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** What an embedded-default hub holds, read straight from its folder: records and blob files. */
final class HubView {
    private final Path hub;

    HubView(Path hub) {
        this.hub = hub;
    }

    Path blobs() {
        return hub.resolve("blobs");
    }

    Path incoming() {
        return blobs().resolve(".incoming");
    }

    /** Every record of {@code table} that is not deleted, in the hub's data.db. */
    List<RemoteRecord> records(String table) throws Exception {
        List<RemoteRecord> out = new ArrayList<>();
        try (SqliteHubDataProvider p = SqliteHubDataProvider.open(hub)) {
            Map<String, RemoteRecord> latest = new HashMap<>();
            String cursor = null;
            ChangePage page;
            do {
                page = p.changesSince(cursor, 500);
                for (RemoteRecord r : page.changes()) {
                    latest.put(r.table() + "/" + r.id(), r);
                }
                cursor = page.cursor();
            } while (page.hasMore());
            for (RemoteRecord r : latest.values()) {
                if (!r.deleted() && r.table().equals(table)) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    /** The image's SHA-256 of each record of {@code table} by title (several records of a title: all listed). */
    Map<String, List<String>> imagesByTitle(String table) throws Exception {
        Map<String, List<String>> out = new HashMap<>();
        for (RemoteRecord r : records(table)) {
            out.computeIfAbsent(r.fields().path("title").asText(), t -> new ArrayList<>())
                    .add(r.fields().path("image").path("sha256").asText());
        }
        return out;
    }

    /** Every stored blob file (not upload sessions): name → path. */
    Map<String, Path> blobFiles() throws IOException {
        Map<String, Path> out = new HashMap<>();
        if (!Files.isDirectory(blobs())) {
            return out;
        }
        try (Stream<Path> files = Files.walk(blobs(), 2)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                if (!p.getParent().equals(incoming())) {
                    out.put(p.getFileName().toString(), p);
                }
            }
        }
        return out;
    }

    /** Upload sessions left in {@code blobs/.incoming}. */
    List<Path> incomingParts() throws IOException {
        if (!Files.isDirectory(incoming())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(incoming())) {
            return s.toList();
        }
    }

    /** The SHA-256 names of what a stored copy of {@code file} consists of: its bytes and its chunk list. */
    static List<String> storedNamesOf(Path file) throws IOException {
        ChunkManifest.Hashes h = ChunkManifest.hash(file);
        List<String> names = new ArrayList<>(List.of(h.sha256()));
        if (h.manifest() != null) {
            names.add(Hashing.sha256(new java.io.ByteArrayInputStream(h.manifest().toBytes())));
        }
        return names;
    }
}

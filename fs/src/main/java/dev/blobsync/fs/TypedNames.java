package dev.blobsync.fs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The folder names users gave records of one table on this device ({@code mkdir}, a folder
 * rename) where the schema's template renders another name, kept on disk so that every mount
 * of this cache shows the same name. One small file per record in {@code <scratch>/<table>/.names/},
 * written to a temporary file, synced and renamed into place.
 *
 * <p>Not thread-safe: {@link TableIndex} calls it with its own monitor held. A name that cannot
 * be written is logged and kept in memory; the folder then shows its rendered name after the
 * next mount, and nothing else is lost.
 */
final class TypedNames {
    private static final Logger LOG = LoggerFactory.getLogger(TypedNames.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param typed the name the user gave the folder
     * @param base  what the template rendered then; the typed name holds while it still does
     */
    record Name(String typed, String base) {
    }

    private final Path dir;
    private final Map<UUID, Name> names = new HashMap<>();

    TypedNames(Path dir) {
        this.dir = dir;
    }

    /** Reads the names kept on disk; unreadable files are skipped. */
    void load() {
        names.clear();
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                UUID id = idOf(f);
                if (id == null) {
                    continue;
                }
                try {
                    JsonNode n = JSON.readTree(Files.readAllBytes(f));
                    if (n != null && n.path("typed").isTextual() && n.path("base").isTextual()) {
                        names.put(id, new Name(n.get("typed").asText(), n.get("base").asText()));
                    }
                } catch (IOException e) {
                    LOG.warn("ignoring the unreadable folder name {}: {}", f, e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot read the folder names kept in {}: {}", dir, e.getMessage());
        }
    }

    java.util.Set<UUID> ids() {
        return java.util.Set.copyOf(names.keySet());
    }

    Name get(UUID id) {
        return names.get(id);
    }

    void put(UUID id, Name name) {
        if (name.equals(names.put(id, name))) {
            return;
        }
        ObjectNode json = JSON.createObjectNode().put("typed", name.typed()).put("base", name.base());
        Path file = dir.resolve(id.toString());
        Path tmp = dir.resolve("." + id + ".tmp");
        try {
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(JSON.writeValueAsBytes(json)));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.warn("cannot keep the folder name '{}' of record {} in {}: {}; after the next mount it shows as"
                    + " '{}'", name.typed(), id, dir, e.getMessage(), name.base());
        }
    }

    void forget(UUID id) {
        if (names.remove(id) == null) {
            return;
        }
        try {
            Files.deleteIfExists(dir.resolve(id.toString()));
        } catch (IOException e) {
            LOG.warn("cannot remove the kept folder name of record {} in {}: {}", id, dir, e.getMessage());
        }
    }

    private static UUID idOf(Path file) {
        try {
            return UUID.fromString(file.getFileName().toString());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}

package dev.blobsync.engine.provider.filesystem;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.internal.FileSync;
import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.spi.BlobProvider;
import dev.blobsync.engine.spi.PendingUpload;
import dev.blobsync.engine.spi.PresignedUrl;
import dev.blobsync.engine.spi.ProviderException;
import dev.blobsync.engine.spi.StoredBlob;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.regex.Pattern;

/**
 * The embedded default blob provider: a content-addressed folder, {@code <root>/ab/abcd…}
 * (the first two hex digits of the SHA-256 as a sub-folder).
 *
 * <p>An upload session is a part file under {@code <root>/.incoming/}; its size is the
 * session's offset, so a resume after a crash continues where the bytes on disk end. On
 * completion the part file is hashed, synced and renamed into place; a part that does not hash
 * to its key is deleted and never becomes visible.
 */
public final class FilesystemBlobProvider implements BlobProvider {
    private static final Pattern TOKEN = Pattern.compile("[0-9a-f]{64}\\.[0-9a-f-]{36}\\.part");

    private final Path root;
    private final Path incoming;

    private FilesystemBlobProvider(Path root) {
        this.root = root;
        this.incoming = root.resolve(".incoming");
    }

    /**
     * Opens the blob folder {@code root}. A folder that cannot be created now (a removed drive)
     * is not an error here: the engine starts offline and every call reports why it failed.
     */
    public static FilesystemBlobProvider open(Path root) {
        try {
            Files.createDirectories(root.resolve(".incoming"));
        } catch (IOException e) {
            // Reported by the first call that needs the folder.
        }
        return new FilesystemBlobProvider(root);
    }

    /** Where blob {@code key} is stored. */
    public Path pathOf(String key) {
        return root.resolve(key.substring(0, 2)).resolve(key);
    }

    private static void checkKey(String key) throws ProviderException {
        if (!BlobRef.isSha256(key)) {
            throw new ProviderException("not a blob key: " + key, false);
        }
    }

    private Path partOf(String key, String token) throws ProviderException {
        if (token == null || !TOKEN.matcher(token).matches() || !token.startsWith(key)) {
            throw new ProviderException("not an upload session of blob " + key + ": " + token, false);
        }
        return incoming.resolve(token);
    }

    @Override
    public OptionalLong size(String key) throws ProviderException {
        checkKey(key);
        try {
            return OptionalLong.of(Files.size(pathOf(key)));
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (IOException e) {
            throw unreachable("look up blob " + key, e);
        }
    }

    @Override
    public InputStream read(String key, long offset, long length) throws ProviderException {
        checkKey(key);
        try {
            SeekableByteChannel ch = Files.newByteChannel(pathOf(key), StandardOpenOption.READ);
            ch.position(offset);
            InputStream in = Channels.newInputStream(ch);
            return length < 0 ? in : new BoundedInputStream(in, length);
        } catch (NoSuchFileException e) {
            if (!Files.isDirectory(root)) {
                // The whole folder is gone (an unmounted drive): unreachable, not missing.
                throw unreachable("read blob " + key, e);
            }
            throw new ProviderException("Blob " + key + " is not in " + describe(), false, e);
        } catch (IOException e) {
            throw unreachable("read blob " + key, e);
        }
    }

    @Override
    public String beginUpload(String key, long size) throws ProviderException {
        checkKey(key);
        String token = key + "." + UUID.randomUUID() + ".part";
        try {
            Files.createDirectories(incoming);
            Files.createFile(incoming.resolve(token));
        } catch (IOException e) {
            throw unreachable("start uploading blob " + key, e);
        }
        return token;
    }

    @Override
    public long uploadedBytes(String key, String token) throws ProviderException {
        checkKey(key);
        try {
            return Files.size(partOf(key, token));
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException e) {
            throw unreachable("resume uploading blob " + key, e);
        }
    }

    @Override
    public void append(String key, String token, long offset, InputStream data, long length)
            throws ProviderException {
        Path part = partOf(key, token);
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.WRITE)) {
            if (ch.size() != offset) {
                throw new ProviderException("Upload of blob " + key + " is at byte " + ch.size()
                        + ", not " + offset + "; ask for the offset again", true);
            }
            ch.position(offset);
            OutputStream out = Channels.newOutputStream(ch);
            long copied = new BoundedInputStream(data, length).transferTo(out);
            out.flush();
            ch.force(false);
            if (copied != length) {
                throw new ProviderException("Upload of blob " + key + " got " + copied + " of " + length
                        + " bytes", true);
            }
        } catch (NoSuchFileException e) {
            throw new ProviderException("Upload session " + token + " is gone", true, e);
        } catch (IOException e) {
            throw unreachable("upload blob " + key, e);
        }
    }

    @Override
    public void complete(String key, String token) throws ProviderException {
        Path part = partOf(key, token);
        try {
            String actual = Hashing.sha256(part);
            if (!actual.equals(key)) {
                Files.deleteIfExists(part);
                throw new ProviderException("Upload of blob " + key + " arrived with SHA-256 " + actual
                        + "; it was discarded", true);
            }
            FileSync.fsync(part);
            Path target = pathOf(key);
            Files.createDirectories(target.getParent());
            FileSync.moveDurably(part, target);
        } catch (NoSuchFileException e) {
            if (Files.exists(pathOf(key))) {
                return; // completed before: a retried completion is harmless
            }
            throw new ProviderException("Upload session " + token + " is gone", true, e);
        } catch (IOException e) {
            throw unreachable("finish uploading blob " + key, e);
        }
    }

    @Override
    public void abort(String key, String token) throws ProviderException {
        try {
            Files.deleteIfExists(partOf(key, token));
        } catch (IOException e) {
            throw unreachable("abort uploading blob " + key, e);
        }
    }

    @Override
    public void delete(String key) throws ProviderException {
        checkKey(key);
        try {
            Files.deleteIfExists(pathOf(key));
        } catch (IOException e) {
            throw unreachable("delete blob " + key, e);
        }
    }

    /** The blob file's {@code file:} URL; it does not expire. */
    @Override
    public Optional<PresignedUrl> presignGet(String key, Duration maxTtl) throws ProviderException {
        checkKey(key);
        return Optional.of(new PresignedUrl(pathOf(key).toUri(), Instant.MAX));
    }

    @Override
    public boolean touch(String key) throws ProviderException {
        checkKey(key);
        try {
            Files.setLastModifiedTime(pathOf(key), java.nio.file.attribute.FileTime.from(java.time.Instant.now()));
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw unreachable("touch blob " + key, e);
        }
    }

    @Override
    public Optional<StoredBlob> stat(String key) throws ProviderException {
        checkKey(key);
        try {
            BasicFileAttributes a = Files.readAttributes(pathOf(key), BasicFileAttributes.class);
            return Optional.of(new StoredBlob(key, a.size(), a.lastModifiedTime().toInstant()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw unreachable("look up blob " + key, e);
        }
    }

    @Override
    public void ping() throws ProviderException {
        try {
            Files.createDirectories(incoming);
        } catch (IOException e) {
            throw unreachable("use the blob folder", e);
        }
    }

    @Override
    public void listBlobs(Consumer<StoredBlob> each) throws ProviderException {
        try (Stream<Path> files = Files.walk(root, 2)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = p.getFileName().toString();
                if (p.getNameCount() == root.getNameCount() + 2 && BlobRef.isSha256(name)
                        && p.getParent().getFileName().toString().equals(name.substring(0, 2))) {
                    stat(name).ifPresent(each);
                }
            }
        } catch (NoSuchFileException e) {
            // No folder, no blobs.
        } catch (IOException e) {
            throw unreachable("list the blobs", e);
        } catch (UncheckedIOException e) {
            throw unreachable("list the blobs", e.getCause());
        }
    }

    @Override
    public void listUploads(Consumer<PendingUpload> each) throws ProviderException {
        try (Stream<Path> parts = Files.list(incoming)) {
            for (Path p : (Iterable<Path>) parts::iterator) {
                String token = p.getFileName().toString();
                if (TOKEN.matcher(token).matches()) {
                    Instant modified = Files.getLastModifiedTime(p).toInstant();
                    each.accept(new PendingUpload(token.substring(0, 64), token, modified));
                }
            }
        } catch (NoSuchFileException e) {
            // No folder, no sessions.
        } catch (IOException e) {
            throw unreachable("list the upload sessions", e);
        }
    }

    @Override
    public Optional<String> urlOf(String key) {
        return BlobRef.isSha256(key) ? Optional.of(pathOf(key).toUri().toString()) : Optional.empty();
    }

    private ProviderException unreachable(String what, IOException e) {
        return new ProviderException("Could not " + what + " in " + describe() + ": " + e, true, e);
    }

    @Override
    public String describe() {
        return "blob folder " + root;
    }

    @Override
    public void close() {
        // Nothing held open between calls.
    }
}

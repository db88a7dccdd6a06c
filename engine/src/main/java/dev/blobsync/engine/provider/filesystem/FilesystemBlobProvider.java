package dev.blobsync.engine.provider.filesystem;

import dev.blobsync.engine.BlobRef;
import dev.blobsync.engine.internal.FileModes;
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
 * to its key is deleted and never becomes visible. Empty part files (sessions that never got a
 * byte) are removed when the provider opens.
 *
 * <p>The folder is created when the provider opens; later calls never create it again, so a
 * folder that went away (a drive that is not mounted, a moved hub) is reported as unreachable
 * instead of being replaced by an empty one. Files are 0600 in 0700 folders, or 0660 in 0770
 * folders for a {@code shared} hub ({@link FileModes}).
 */
public final class FilesystemBlobProvider implements BlobProvider {
    private static final Pattern TOKEN = Pattern.compile("[0-9a-f]{64}\\.[0-9a-f-]{36}\\.part");

    private final Path root;
    private final Path incoming;
    private final FileModes modes;

    private FilesystemBlobProvider(Path root, FileModes modes) {
        this.root = root;
        this.incoming = root.resolve(".incoming");
        this.modes = modes;
    }

    /** Opens the blob folder {@code root} for one user (files 0600, folders 0700). */
    public static FilesystemBlobProvider open(Path root) {
        return open(root, false);
    }

    /**
     * Opens the blob folder {@code root}; {@code shared} keeps group access for a hub several
     * local users share. A folder that cannot be created now (a removed drive) is not an error
     * here: the engine starts offline and every call reports why it failed.
     */
    public static FilesystemBlobProvider open(Path root, boolean shared) {
        FilesystemBlobProvider p = new FilesystemBlobProvider(root, FileModes.of(shared));
        try {
            p.modes.createDirectories(root);
            p.modes.createDirectory(p.incoming);
            if (!shared) {
                p.modes.restrictDirectory(root);
                p.modes.restrictDirectory(p.incoming);
            }
            p.removeEmptySessions();
        } catch (IOException e) {
            // Reported by the first call that needs the folder.
        }
        return p;
    }

    /** Sessions that never got a byte hold nothing to resume: a crash between begin and first append. */
    private void removeEmptySessions() throws IOException {
        try (Stream<Path> parts = Files.list(incoming)) {
            for (Path p : (Iterable<Path>) parts::iterator) {
                if (TOKEN.matcher(p.getFileName().toString()).matches() && Files.size(p) == 0) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** The folder must be there: it is never created again after open. */
    private void checkRoot(String what) throws ProviderException {
        if (!Files.isDirectory(root)) {
            throw new ProviderException("Could not " + what + " in " + describe() + ": the folder " + root
                    + " is missing", true);
        }
    }

    /** A folder inside the blob folder, created with the blob folder's mode when missing. */
    private void ensureDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            modes.createDirectory(dir);
        }
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
            // The whole folder gone (an unmounted drive) is unreachable, not missing.
            checkRoot("read blob " + key);
            throw new ProviderException("Blob " + key + " is not in " + describe(), false, e);
        } catch (IOException e) {
            throw unreachable("read blob " + key, e);
        }
    }

    @Override
    public String beginUpload(String key, long size) throws ProviderException {
        checkKey(key);
        String token = key + "." + UUID.randomUUID() + ".part";
        checkRoot("start uploading blob " + key);
        try {
            ensureDirectory(incoming);
            modes.createFile(incoming.resolve(token));
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
            checkRoot("finish uploading blob " + key);
            ensureDirectory(target.getParent());
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
        checkRoot("use the blob folder");
        try {
            ensureDirectory(incoming);
            if (!Files.isWritable(incoming)) {
                throw new ProviderException("Could not use the blob folder " + root + ": " + incoming
                        + " is not writable", true);
            }
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

    /** A retryable failure, in words; the exception itself stays the cause, for the log. */
    private ProviderException unreachable(String what, IOException e) {
        return new ProviderException("Could not " + what + " in " + describe() + ": " + inWords(e), true, e);
    }

    private static String inWords(IOException e) {
        if (e instanceof NoSuchFileException n) {
            return n.getFile() + " does not exist";
        } else if (e instanceof java.nio.file.AccessDeniedException a) {
            return "permission denied on " + a.getFile();
        } else if (e instanceof java.nio.file.FileAlreadyExistsException f) {
            return f.getFile() + " is in the way";
        } else if (e instanceof java.nio.file.FileSystemException f) {
            return (f.getFile() != null ? f.getFile() + ": " : "") + (f.getReason() != null ? f.getReason() : "failed");
        }
        return e.getMessage() != null ? e.getMessage() : "an input/output error";
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

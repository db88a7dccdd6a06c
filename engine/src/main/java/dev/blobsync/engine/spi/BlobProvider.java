package dev.blobsync.engine.spi;

import java.io.InputStream;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * Where blob bytes live remotely: the SPI every blob backend implements ({@code filesystem},
 * later {@code s3} and {@code tus}). Keys are lower-case hex SHA-256 of the bytes.
 *
 * <p>Uploads are resumable sessions: {@link #beginUpload} returns a token the engine persists;
 * after a restart the engine asks {@link #uploadedBytes} for the server's offset and continues
 * with {@link #append} from there, never from zero.
 */
public interface BlobProvider extends AutoCloseable {

    /** The stored size of blob {@code key}, or empty when the provider does not have it. */
    OptionalLong size(String key) throws ProviderException;

    /**
     * Opens the bytes {@code [offset, offset + length)} of blob {@code key}; {@code length < 0}
     * reads to the end. The caller closes the stream.
     */
    InputStream read(String key, long offset, long length) throws ProviderException;

    /** Starts a resumable upload of {@code size} bytes for {@code key}; returns its token. */
    String beginUpload(String key, long size) throws ProviderException;

    /**
     * How many bytes of the upload the provider holds, as the provider sees it; -1 when the
     * session is unknown or expired (the caller then begins a new one).
     */
    long uploadedBytes(String key, String token) throws ProviderException;

    /** Appends {@code length} bytes from {@code data} at {@code offset} (the current offset). */
    void append(String key, String token, long offset, InputStream data, long length)
            throws ProviderException;

    /** Makes the upload visible under {@code key}; fails when the bytes do not hash to it. */
    void complete(String key, String token) throws ProviderException;

    /** Abandons an upload session and frees what it holds. */
    void abort(String key, String token) throws ProviderException;

    /** Deletes blob {@code key}; deleting a missing blob is not an error. */
    void delete(String key) throws ProviderException;

    /**
     * A URL that fetches blob {@code key} without credentials, valid for at most
     * {@code maxTtl} (a provider may cap it further, e.g. to its configured URL lifetime).
     * Empty when the provider cannot hand out such URLs. Does not check that the blob exists.
     */
    default Optional<PresignedUrl> presignGet(String key, Duration maxTtl) throws ProviderException {
        return Optional.empty();
    }

    /**
     * Size and age of blob {@code key}, or empty when the provider does not have it. Garbage
     * collection asks this right before deleting. The default knows nothing and answers empty,
     * so garbage collection never deletes from a provider that does not implement it.
     */
    default Optional<StoredBlob> stat(String key) throws ProviderException {
        return Optional.empty();
    }

    /**
     * Passes every stored blob to {@code each}, in no particular order; upload sessions are not
     * blobs. Fails when the provider cannot list (garbage collection then cannot run).
     */
    default void listBlobs(Consumer<StoredBlob> each) throws ProviderException {
        throw new ProviderException(describe() + " cannot list its blobs", false);
    }

    /** Passes every upload session the provider holds to {@code each}; none by default. */
    default void listUploads(Consumer<PendingUpload> each) throws ProviderException {
        // A provider without server-side sessions holds none.
    }

    /**
     * Marks stored blob {@code key} as just used, so that a garbage collector's grace period
     * (which counts from an object's last write) starts again; the engine calls it when it
     * relies on a blob that is already stored instead of uploading it. Returns false when the
     * blob is not there (the caller then uploads it). Providers that cannot refresh an
     * object's age only check that it is there.
     */
    default boolean touch(String key) throws ProviderException {
        return size(key).isPresent();
    }

    /**
     * Checks that the store can be reached and written now; throws a retryable exception when
     * not. Used to notice that an unreachable store is back.
     */
    default void ping() throws ProviderException {
    }

    /** Where the store serves blob {@code key} without credentials, if it does. */
    default Optional<String> urlOf(String key) {
        return Optional.empty();
    }

    /** A short description for messages, e.g. {@code filesystem /home/a/hub/blobs}. */
    String describe();

    @Override
    void close();
}

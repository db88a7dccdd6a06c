package dev.blobsync.engine.provider.s3;

import dev.blobsync.engine.spi.PendingUpload;
import dev.blobsync.engine.spi.PresignedUrl;
import dev.blobsync.engine.spi.ProviderException;
import dev.blobsync.engine.spi.StoredBlob;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The S3 requests the provider makes, one method per request, addressed by blob key (the
 * store adds the prefix). Two implementations: {@link SdkObjectStore} signs requests with the
 * engine's own credentials; {@link PresignEndpointStore} asks the app's presign endpoint for
 * URLs. Upload session logic (parts, hashing, resuming) lives above this, in
 * {@link S3BlobProvider}.
 */
interface ObjectStore extends AutoCloseable {

    /** One part of a multipart upload as the server holds it. */
    record Part(int number, long size, String etag) {
    }

    /** HEAD: size and last-modified time, or empty when there is no such object. */
    Optional<StoredBlob> head(String key) throws ProviderException;

    /**
     * Refreshes the object's last-modified time (so gc's grace period starts again); false when
     * it is not there. A store that cannot rewrite objects only checks that it is there.
     */
    default boolean touch(String key) throws ProviderException {
        return head(key).isPresent();
    }

    /**
     * GET of bytes {@code [offset, offset + length)}, or to the end when {@code length < 0}.
     * Fails with a non-retryable exception when the object does not exist.
     */
    InputStream get(String key, long offset, long length) throws ProviderException;

    /** PUT of a whole object; {@code md5} is the base64 Content-MD5, or null. */
    void put(String key, byte[] data, int length, String md5) throws ProviderException;

    String createMultipart(String key) throws ProviderException;

    /** Uploads part {@code number}; returns its ETag. */
    String uploadPart(String key, String uploadId, int number, byte[] data, int length, String md5)
            throws ProviderException;

    /** The parts the server holds, by number; empty when the upload is unknown (gone or aborted). */
    Optional<List<Part>> listParts(String key, String uploadId) throws ProviderException;

    /**
     * Whether the server still has the upload. Asked when ListParts shows no parts, because some
     * servers (S3Proxy) answer ListParts of an unknown upload with an empty list.
     */
    boolean uploadExists(String key, String uploadId) throws ProviderException;

    void completeMultipart(String key, String uploadId, List<Part> parts) throws ProviderException;

    /** Aborts the upload; an unknown upload is not an error. */
    void abortMultipart(String key, String uploadId) throws ProviderException;

    /** Deletes the object; a missing object is not an error. */
    void delete(String key) throws ProviderException;

    /** Every object under the prefix whose name is a blob key. */
    void list(Consumer<StoredBlob> each) throws ProviderException;

    /** Every multipart upload under the prefix for a blob key: (key, upload id, initiated). */
    void listUploads(Consumer<PendingUpload> each) throws ProviderException;

    PresignedUrl presignGet(String key, Duration ttl) throws ProviderException;

    String describe();

    @Override
    void close();
}

package dev.blobsync.engine;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A reference to an immutable, content-addressed blob: the value a blob field holds.
 *
 * <p>The key is the lower-case hex SHA-256 of the bytes, so two references with the same
 * {@code sha256} always name the same bytes (invariant 2).
 *
 * @param sha256 lower-case hex SHA-256 of the bytes
 * @param size   size in bytes
 * @param type   MIME type, for example {@code image/jpeg}
 * @param name   the original file name, or {@code null}
 * @param chunks the SHA-256 of the blob's chunk manifest (the SHA-256 of each 1 MiB chunk),
 *               which lets a reader verify ranges before the whole blob is there; {@code null}
 *               for small blobs and blobs written without one
 */
public record BlobRef(String sha256, long size, String type, String name, String chunks) {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    public BlobRef {
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(type, "type");
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a lower-case hex SHA-256: " + sha256);
        }
        if (size < 0) {
            throw new IllegalArgumentException("negative blob size: " + size);
        }
        if (chunks != null && !SHA256.matcher(chunks).matches()) {
            throw new IllegalArgumentException("not a lower-case hex SHA-256: " + chunks);
        }
    }

    /** A reference without a chunk manifest. */
    public BlobRef(String sha256, long size, String type, String name) {
        this(sha256, size, type, name, null);
    }

    /** True when {@code s} looks like a lower-case hex SHA-256. */
    public static boolean isSha256(String s) {
        return s != null && SHA256.matcher(s).matches();
    }
}

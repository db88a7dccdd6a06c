package dev.blobsync.engine.store;

/**
 * The cache index entry of one blob.
 *
 * @param dirty    written here and not yet uploaded
 * @param priority the effective priority: {@code high}, {@code normal} or {@code low}
 * @param complete true when the whole blob is cached and verified; false for a partial blob
 * @param present  for a partial blob, a bitmap of the verified chunks it holds
 * @param chunks   the SHA-256 of its chunk manifest, or {@code null}
 * @param referenced false for a dirty blob no record change has referred to yet
 */
public record BlobRow(String sha256, long size, String type, boolean dirty, String priority, long lastAccess,
                      long createdAt, boolean complete, byte[] present, String chunks, boolean referenced) {
}

package dev.blobsync.engine;

/**
 * One queued item, as {@code offline().pending()} lists it.
 *
 * @param type     {@code upload}, {@code insert}, {@code update}, {@code delete} or {@code draft}
 * @param id       the blob's SHA-256 for an upload, the record id otherwise
 * @param table    the record's table; {@code null} for an upload
 * @param name     the blob's file name or the record's folder name, when known
 * @param size     bytes to upload; 0 for a record change
 * @param progress 0.0 to 1.0
 * @param state    {@code queued}, {@code uploading}, {@code waiting} (for its blob), {@code draft} or {@code error}
 * @param error    the last error in words, or {@code null}
 * @param attempts failed attempts so far
 */
public record PendingItem(String type, String id, String table, String name, long size, double progress,
                          String state, String error, int attempts) {
}

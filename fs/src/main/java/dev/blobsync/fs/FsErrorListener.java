package dev.blobsync.fs;

/**
 * Told of every refusal the filesystem explains to the user, at the moment it records the reason
 * for {@code user.blobsync.error}: a front end shows it where the user looks (the mount's output,
 * a desktop notification, {@code blobsync status}). Called on a FUSE thread: return quickly and
 * never call back into the mount.
 */
@FunctionalInterface
public interface FsErrorListener {

    /**
     * @param operation the callback that failed, e.g. {@code release} or {@code setxattr}
     * @param path      the path inside the mount, e.g. {@code /photos/2026-07-04 Beach/meta.json}
     * @param errno     the errno answered (positive, e.g. 22 for EINVAL)
     * @param reason    why, in words, as {@code user.blobsync.error} shows it
     */
    void failed(String operation, String path, int errno, String reason);
}

/**
 * The blobsync drive: a jnr-fuse filesystem in front of the engine's public API.
 *
 * <p>{@link dev.blobsync.fs.BlobsyncFs} is the entry point. Inside, a path resolves to a
 * {@code Node} from in-memory indexes ({@code TableIndex}, kept current by the engine's change
 * listener); {@code FsOps} carries out each operation, {@code RecordOps} and {@code RenameOps}
 * hold what operations mean for records, and {@code ErrnoMapper} is the one place that turns
 * failures into errno values. Written blob files are staged in the engine's staging folder and
 * handed over at {@code flush}, so a {@code close()} that returns 0 means the engine has them.
 */
package dev.blobsync.fs;

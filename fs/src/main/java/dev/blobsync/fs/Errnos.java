package dev.blobsync.fs;

import jnr.constants.platform.Errno;

/**
 * The errno values the filesystem answers with, taken from the platform (Linux) tables.
 * jnr-fuse's {@code ErrorCodes.ENOATTR()} and {@code ENOTSUP()} carry macOS numbers (93, 45), so
 * they are never used: a missing xattr is {@link #ENODATA} (61) and "not supported" is
 * {@link #EOPNOTSUPP} (95).
 */
final class Errnos {
    static final int EPERM = Errno.EPERM.intValue();
    static final int ENOENT = Errno.ENOENT.intValue();
    static final int EIO = Errno.EIO.intValue();
    static final int EBADF = Errno.EBADF.intValue();
    static final int EACCES = Errno.EACCES.intValue();
    static final int EBUSY = Errno.EBUSY.intValue();
    static final int EEXIST = Errno.EEXIST.intValue();
    static final int EXDEV = Errno.EXDEV.intValue();
    static final int ENOTDIR = Errno.ENOTDIR.intValue();
    static final int EISDIR = Errno.EISDIR.intValue();
    static final int EINVAL = Errno.EINVAL.intValue();
    static final int ENOSPC = Errno.ENOSPC.intValue();
    static final int EFBIG = Errno.EFBIG.intValue();
    static final int EROFS = Errno.EROFS.intValue();
    static final int ERANGE = Errno.ERANGE.intValue();
    static final int ENAMETOOLONG = Errno.ENAMETOOLONG.intValue();
    static final int ENOTEMPTY = Errno.ENOTEMPTY.intValue();
    static final int ENODATA = Errno.ENODATA.intValue();
    static final int EOPNOTSUPP = Errno.EOPNOTSUPP.intValue();

    private Errnos() {
    }
}

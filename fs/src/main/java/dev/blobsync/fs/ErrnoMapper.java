package dev.blobsync.fs;

import dev.blobsync.engine.AlreadyExistsException;
import dev.blobsync.engine.ConflictException;
import dev.blobsync.engine.EngineException;
import dev.blobsync.engine.InvalidException;
import dev.blobsync.engine.NotFoundException;
import dev.blobsync.engine.OfflineException;
import dev.blobsync.engine.QuotaExceededException;
import dev.blobsync.engine.StorageException;
import dev.blobsync.engine.internal.DiskFull;
import dev.blobsync.engine.internal.LogLimiter;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns a throwable into an errno. It logs each failure once, with the
 * operation and the path, and keeps the user-facing reason for {@code user.blobsync.error}; the
 * same failure repeating is logged a few times, then once a minute. Anything it does not know
 * becomes EIO, logged with its stack trace.
 */
final class ErrnoMapper {
    private static final Logger log = LoggerFactory.getLogger(ErrnoMapper.class);

    private final ErrorNotes notes;
    private final LogLimiter limit = LogLimiter.standard();

    ErrnoMapper(ErrorNotes notes) {
        this.notes = notes;
    }

    /** The negative errno to hand back to libfuse for {@code t}, thrown by {@code op} on {@code path}. */
    int toErrno(String op, String path, Throwable t) {
        int errno;
        String reason;
        if (t instanceof FsException fe) {
            errno = fe.errno();
            reason = fe.reason();
        } else if (t instanceof EngineException ee) {
            errno = engineErrno(ee);
            reason = ee.getMessage() == null ? ee.getClass().getSimpleName() : ee.getMessage();
        } else if (t instanceof NoSuchFileException) {
            errno = Errnos.ENOENT;
            reason = null;
        } else if (t instanceof FileAlreadyExistsException) {
            errno = Errnos.EEXIST;
            reason = null;
        } else if (t instanceof DirectoryNotEmptyException) {
            errno = Errnos.ENOTEMPTY;
            reason = "the folder is not empty";
        } else if (t instanceof NotDirectoryException) {
            errno = Errnos.ENOTDIR;
            reason = null;
        } else if (t instanceof AccessDeniedException) {
            errno = Errnos.EACCES;
            reason = "permission denied: " + t.getMessage();
        } else if (t instanceof IOException && DiskFull.is(t)) {
            errno = Errnos.ENOSPC;
            reason = "the disk under blobsync's cache folder is full; free space on it and try again";
        } else if (t instanceof IOException) {
            errno = Errnos.EIO;
            reason = "local file error: " + t;
        } else {
            String more = limit.admit(op + " " + path + " unexpected");
            if (more != null) {
                log.error("{} {}: unexpected failure, answering EIO{}", op, path, more, t);
            }
            notes.record(op, path, Errnos.EIO, "internal error: " + t);
            return -Errnos.EIO;
        }
        if (reason != null) {
            // A program retrying the same failing call does not fill the log.
            String more = limit.admit(op + " " + path + " " + errno);
            if (more != null) {
                log.warn("{} {}: {} (errno {}){}", op, path, reason, errno, more);
            }
            notes.record(op, path, errno, reason);
        }
        return -errno;
    }

    private static int engineErrno(EngineException e) {
        // The family is sealed: a new subtype makes this switch incomplete on purpose.
        if (e instanceof NotFoundException) {
            return Errnos.ENOENT;
        } else if (e instanceof AlreadyExistsException) {
            return Errnos.EEXIST;
        } else if (e instanceof InvalidException) {
            return Errnos.EINVAL;
        } else if (e instanceof QuotaExceededException) {
            return Errnos.ENOSPC;
        } else if (e instanceof ConflictException) {
            // The record changed underneath the write: busy, try again.
            return Errnos.EBUSY;
        } else if (e instanceof OfflineException || e instanceof StorageException) {
            return Errnos.EIO;
        }
        return Errnos.EIO;
    }
}

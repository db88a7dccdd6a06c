package dev.blobsync.engine.internal;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Who may read what blobsync writes. {@link #PRIVATE}: files 0600 in folders 0700, for the
 * cache and for a hub of one user. {@link #SHARED}: files 0660 in folders 0770, for a hub that
 * several local users share through a group (the hub folder's owner gives it that group and
 * the setgid bit; new folders inherit both, and a folder's setgid bit is kept here).
 *
 * <p>Modes are set explicitly after creating, so the process umask does not decide them.
 * SQLite gives a database's {@code -wal} and {@code -shm} files the mode of the database file.
 */
public enum FileModes {
    PRIVATE(0600, 0700),
    SHARED(0660, 0770);

    private static final int SETGID = 02000;

    private final int file;
    private final int dir;

    FileModes(int file, int dir) {
        this.file = file;
        this.dir = dir;
    }

    public static FileModes of(boolean shared) {
        return shared ? SHARED : PRIVATE;
    }

    /** Creates {@code dir} and its missing parents with this folder mode; an existing folder is left as it is. */
    public Path createDirectories(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            return dir;
        }
        Path parent = abs.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            createDirectories(parent);
        }
        createDirectory(abs);
        return dir;
    }

    /** Creates one folder with this folder mode (its parent must exist); no error when it exists. */
    public void createDirectory(Path dir) throws IOException {
        try {
            Files.createDirectory(dir, attribute(this.dir));
            restrictDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw e;
            }
        }
    }

    /**
     * Sets an existing folder to this folder mode, keeping its setgid bit. Only its owner may:
     * a folder of another user (a shared hub) is left as it is.
     */
    public void restrictDirectory(Path dir) throws IOException {
        int mode = (Integer) Files.getAttribute(dir, "unix:mode");
        int wanted = (mode & SETGID) | this.dir;
        if ((mode & 07777) != wanted) {
            try {
                Files.setAttribute(dir, "unix:mode", wanted);
            } catch (FileSystemException e) {
                // Not ours to change.
            }
        }
    }

    /** Creates an empty file with this file mode; no error when it exists (its mode is then set). */
    public Path createFile(Path file) throws IOException {
        try {
            Files.createFile(file, attribute(this.file));
        } catch (FileAlreadyExistsException e) {
            // Set below, like a new one.
        }
        restrictFile(file);
        return file;
    }

    /**
     * Sets an existing file to this file mode; a missing file is no error, and a file of another
     * user (a shared hub) is left as it is.
     */
    public void restrictFile(Path file) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        Set<PosixFilePermission> wanted = PosixFilePermissions.fromString(bits(this.file));
        if (!Files.getPosixFilePermissions(file).equals(wanted)) {
            try {
                Files.setPosixFilePermissions(file, wanted);
            } catch (FileSystemException e) {
                // Not ours to change.
            }
        }
    }

    /** A SQLite database and its {@code -wal} and {@code -shm} files: created or set to this file mode. */
    public void database(Path db) throws IOException {
        createFile(db);
        restrictFile(db.resolveSibling(db.getFileName() + "-wal"));
        restrictFile(db.resolveSibling(db.getFileName() + "-shm"));
    }

    private static FileAttribute<Set<PosixFilePermission>> attribute(int mode) {
        return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(bits(mode)));
    }

    private static String bits(int mode) {
        StringBuilder b = new StringBuilder(9);
        String rwx = "rwx";
        for (int i = 8; i >= 0; i--) {
            b.append((mode & (1 << i)) != 0 ? rwx.charAt(2 - i % 3) : '-');
        }
        return b.toString();
    }
}

package dev.blobsync.engine.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Durable file operations: what has been acknowledged must survive a crash. Internal. */
public final class FileSync {
    private FileSync() {
    }

    /** Forces the file's bytes to disk. */
    public static void fsync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** Forces a folder's entries (a rename or create in it) to disk. */
    public static void fsyncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems refuse to open folders for sync; the rename is still atomic.
        }
    }

    /** Renames {@code from} to {@code to} atomically, replacing it, and syncs the folder. */
    public static void moveDurably(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Path tmp = to.resolveSibling(to.getFileName() + ".incoming");
            Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
            fsync(tmp);
            Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.delete(from);
        }
        fsyncDir(to.getParent());
    }
}

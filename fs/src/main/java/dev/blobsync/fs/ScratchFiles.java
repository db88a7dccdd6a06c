package dev.blobsync.fs;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/** The pass-through to real files under the engine's scratch directory. */
final class ScratchFiles {
    private ScratchFiles() {
    }

    static FsOps.Attributes attributes(Path file) throws IOException {
        PosixFileAttributes a = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return new FsOps.Attributes(a.isDirectory(), permissionBits(a.permissions()), a.size(),
                a.lastModifiedTime().toInstant());
    }

    /** Opens an existing file; the kernel passes O_APPEND offsets itself, so it is not set here. */
    static FileChannel open(Path file, boolean write, boolean truncate) throws IOException {
        Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.READ);
        if (write) {
            options.add(StandardOpenOption.WRITE);
        }
        if (truncate) {
            options.add(StandardOpenOption.TRUNCATE_EXISTING);
        }
        return FileChannel.open(file, options);
    }

    static FileChannel create(Path file, int mode, boolean exclusive) throws IOException {
        Files.createDirectories(file.getParent());
        FileChannel channel = FileChannel.open(file, EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
                exclusive ? StandardOpenOption.CREATE_NEW : StandardOpenOption.CREATE));
        setPermissions(file, mode);
        return channel;
    }

    static void mkdir(Path dir, int mode) throws IOException {
        Files.createDirectories(dir.getParent());
        Files.createDirectory(dir);
        setPermissions(dir, mode);
    }

    static void truncate(Path file, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        }
    }

    static void truncate(FileChannel channel, long size) throws IOException {
        if (size < channel.size()) {
            channel.truncate(size);
        } else if (size > channel.size()) {
            channel.write(ByteBuffer.wrap(new byte[1]), size - 1);
        }
    }

    static void setPermissions(Path file, int mode) throws IOException {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] all = PosixFilePermission.values();
        for (int i = 0; i < 9; i++) {
            if ((mode & (1 << (8 - i))) != 0) {
                perms.add(all[i]);
            }
        }
        Files.setPosixFilePermissions(file, perms);
    }

    private static int permissionBits(Set<PosixFilePermission> perms) {
        int bits = 0;
        for (PosixFilePermission p : perms) {
            bits |= 1 << (8 - p.ordinal());
        }
        return bits;
    }
}

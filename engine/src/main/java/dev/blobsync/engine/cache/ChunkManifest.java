package dev.blobsync.engine.cache;

import dev.blobsync.engine.internal.Hashing;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The SHA-256 of each fixed-size chunk of a blob, stored as a small blob of its own and named
 * by {@code BlobRef.chunks}. It lets a reader fetch a range of a large blob and check it before
 * serving a byte, where the blob's own SHA-256 could only be checked once all of it is there.
 *
 * <p>Format: {@code "BSCM"}, a version byte (1), the chunk size and the chunk count as
 * big-endian 32-bit integers, then 32 bytes per chunk.
 */
public final class ChunkManifest {
    /** Chunk size of manifests written by this version. */
    public static final int CHUNK = 1 << 20;
    /** The MIME type manifests are stored with. */
    public static final String TYPE = "application/x-blobsync-chunks";
    private static final byte[] MAGIC = "BSCM".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = 4 + 1 + 4 + 4;

    private final int chunkSize;
    private final byte[][] digests;

    private ChunkManifest(int chunkSize, byte[][] digests) {
        this.chunkSize = chunkSize;
        this.digests = digests;
    }

    /** True when a blob of {@code size} bytes gets a manifest (it spans more than one chunk). */
    public static boolean wanted(long size) {
        return size > CHUNK;
    }

    /** The hashes of a whole blob computed in one pass: its SHA-256 and its chunk manifest. */
    public record Hashes(String sha256, long size, ChunkManifest manifest) {
    }

    /** Reads {@code file} once, computing its SHA-256 and, when {@link #wanted}, its manifest. */
    public static Hashes hash(Path file) throws IOException {
        MessageDigest whole = Hashing.sha256();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            int count = (int) ((size + CHUNK - 1) / CHUNK);
            byte[][] digests = wanted(size) ? new byte[count][] : null;
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
            for (int i = 0; ; i++) {
                buf.clear();
                while (buf.hasRemaining() && ch.read(buf) >= 0) {
                    // fill a whole chunk unless the file ends
                }
                buf.flip();
                if (!buf.hasRemaining()) {
                    break;
                }
                if (digests != null) {
                    MessageDigest part = Hashing.sha256();
                    part.update(buf.duplicate());
                    digests[i] = part.digest();
                }
                whole.update(buf);
            }
            return new Hashes(Hashing.hex(whole), size, digests == null ? null : new ChunkManifest(CHUNK, digests));
        }
    }

    /** Parses manifest bytes; {@link IllegalArgumentException} when they are not one. */
    public static ChunkManifest parse(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (bytes.length < HEADER || !Arrays.equals(Arrays.copyOf(bytes, 4), MAGIC) || bytes[4] != 1) {
            throw new IllegalArgumentException("not a chunk manifest");
        }
        b.position(5);
        int chunkSize = b.getInt();
        int count = b.getInt();
        if (chunkSize <= 0 || count < 0 || bytes.length != HEADER + 32L * count) {
            throw new IllegalArgumentException("a chunk manifest with a bad header");
        }
        byte[][] digests = new byte[count][32];
        for (byte[] d : digests) {
            b.get(d);
        }
        return new ChunkManifest(chunkSize, digests);
    }

    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(HEADER + 32 * digests.length);
        b.put(MAGIC).put((byte) 1).putInt(chunkSize).putInt(digests.length);
        for (byte[] d : digests) {
            b.put(d);
        }
        return b.array();
    }

    public int chunkSize() {
        return chunkSize;
    }

    public int count() {
        return digests.length;
    }

    /** True when {@code data} (its remaining bytes) is chunk {@code index}, byte for byte. */
    public boolean matches(int index, ByteBuffer data) {
        if (index < 0 || index >= digests.length) {
            return false;
        }
        MessageDigest md = Hashing.sha256();
        md.update(data.duplicate());
        return MessageDigest.isEqual(md.digest(), digests[index]);
    }

    /** True when this manifest describes a blob of {@code size} bytes. */
    public boolean fits(long size) {
        return digests.length == (int) ((size + chunkSize - 1) / chunkSize);
    }
}

package dev.blobsync.fs;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * meta.json open for writing: the edited bytes live in memory until flush, where the whole
 * document is parsed and applied. A failed apply drops the edit once the last descriptor is
 * closed, so the file reads back the record as it still is.
 *
 * <p>The buffer never grows past {@link MetaJson#MAX_BYTES}: a write or truncate beyond it
 * fails with EFBIG before anything is allocated, and an edit that lost a write that way is
 * dropped at close (EFBIG again) rather than applied in part.
 */
final class OpenMeta extends ContentFile {
    private final Supplier<byte[]> current;

    // guarded by this
    private byte[] buf;
    private int length;
    private boolean loaded;
    private boolean dirty;
    private boolean lostWrite;
    /** The document as it stands was refused at a close while other descriptors stayed open. */
    private boolean refused;

    /** @param current renders the record's meta.json as it is now */
    OpenMeta(Key key, Supplier<byte[]> current) {
        super(key);
        this.current = current;
    }

    private void loadLocked() {
        if (!loaded) {
            byte[] now = current.get();
            buf = Arrays.copyOf(now, Math.max(now.length, 4096));
            length = now.length;
            loaded = true;
        }
    }

    private static FsException tooLarge() {
        return new FsException(Errnos.EFBIG, "meta.json is limited to 1 MiB (" + MetaJson.MAX_BYTES
                + " bytes); the edit was not saved. Keep large data in a blob field or a file beside it.");
    }

    private void ensureCapacityLocked(long needed) {
        if (needed > MetaJson.MAX_BYTES) {
            throw tooLarge();
        }
        if (needed > buf.length) {
            buf = Arrays.copyOf(buf, (int) Math.min(MetaJson.MAX_BYTES, Math.max(needed, 2L * buf.length)));
        }
    }

    @Override
    synchronized int read(ByteBuffer dst, long position) {
        loadLocked();
        if (position >= length) {
            return 0;
        }
        int n = (int) Math.min(dst.remaining(), length - position);
        dst.put(buf, (int) position, n);
        return n;
    }

    @Override
    synchronized void write(ByteBuffer src, long position) {
        int n = src.remaining();
        if (position + n > MetaJson.MAX_BYTES) {
            lostWrite = true;
            throw tooLarge();
        }
        loadLocked();
        ensureCapacityLocked(position + n);
        if (position > length) {
            Arrays.fill(buf, length, (int) position, (byte) 0);
        }
        src.get(buf, (int) position, n);
        length = (int) Math.max(length, position + n);
        dirty = true;
        refused = false;
    }

    @Override
    synchronized void truncate(long size) {
        if (size > MetaJson.MAX_BYTES) {
            throw tooLarge();
        }
        if (size == 0) {
            buf = new byte[4096];
            length = 0;
            loaded = true;
        } else {
            loadLocked();
            ensureCapacityLocked(size);
            if (size > length) {
                Arrays.fill(buf, length, (int) size, (byte) 0);
            }
            length = (int) size;
        }
        dirty = true;
        refused = false;
    }

    @Override
    synchronized long size() {
        loadLocked();
        return length;
    }

    @Override
    synchronized boolean dirty() {
        return dirty;
    }

    /** Fails with EFBIG when a write of this edit was refused for its size; call with the monitor held. */
    void checkCompleteLocked() {
        if (lostWrite) {
            throw tooLarge();
        }
    }

    /** The edited document; call with the monitor held, as part of a commit. */
    byte[] bufferLocked() {
        loadLocked();
        return buf;
    }

    int lengthLocked() {
        return length;
    }

    boolean refusedLocked() {
        return refused;
    }

    synchronized boolean refused() {
        return refused;
    }

    /** Keeps a refused document's bytes for the writes still to come; call with the monitor held. */
    void refusedLocked(boolean value) {
        refused = value;
    }

    /** After a commit, successful or not: the next read renders the record as it is then. */
    void resetLocked() {
        buf = null;
        length = 0;
        loaded = false;
        dirty = false;
        lostWrite = false;
        refused = false;
    }

    /** Marks the buffer as new content, for a file created empty. */
    synchronized void markCreated() {
        truncate(0);
    }

    @Override
    synchronized void close() {
        buf = null;
    }
}

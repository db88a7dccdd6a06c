package dev.blobsync.engine.provider.tus;

import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.spi.ProviderException;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * The part of one tus upload that lives in this process: the bytes taken from the caller and
 * not yet confirmed by the server, and the SHA-256 of every byte the server confirmed, when
 * this process saw them all from byte 0.
 *
 * <p>Appended bytes are cut into PATCH requests of the payload size. With exact payloads
 * (Supabase: every PATCH but the last is exactly 6 MiB) a short remainder waits here for the
 * next append; so {@link #append} may return before its bytes are at the server. Nothing here
 * counts as uploaded: the server's offset is the truth, and after any failure the engine asks
 * for it and this session {@link #rewind}s to it. The bytes of the last request stay here until
 * confirmed, so a rewind into a request the server kept part of keeps the hash.
 *
 * <p>Threads: the engine appends to one upload from one thread at a time; every method is
 * synchronized.
 */
final class UploadSession {
    /** Sends {@code length} bytes at {@code at}; answers the server's new offset, or {@link #STORED}. */
    interface Patcher {
        long patch(long at, byte[] bytes, int length) throws ProviderException;
    }

    /** What {@link Patcher#patch} answers when the server says the object is stored already. */
    static final long STORED = -2;

    private final String key;
    private final long size;
    private final long payload;
    private final boolean exact;
    // Guarded by this.
    private long confirmed;
    private MessageDigest digest;
    private byte[] buffer;
    private int buffered;
    private boolean storedElsewhere;

    UploadSession(String key, long size, long start, long payload, boolean exact) {
        this.key = key;
        this.size = size;
        this.payload = payload;
        this.exact = exact;
        this.confirmed = start;
        this.digest = start == 0 ? Hashing.sha256() : null;
    }

    long size() {
        return size;
    }

    synchronized void append(long offset, InputStream data, long length, Patcher patcher) throws ProviderException {
        if (storedElsewhere) {
            return; // the object is there; its bytes are these bytes
        }
        long accepted = confirmed + buffered;
        if (offset != accepted) {
            throw new ProviderException("The upload of blob " + key + " is at byte " + accepted + ", not " + offset
                    + "; ask for the offset again", true);
        }
        if (length < 0 || offset + length > size) {
            throw new ProviderException("The upload of blob " + key + " is " + size + " bytes; " + length
                    + " more at byte " + offset + " do not fit", false);
        }
        long left = length;
        while (left > 0 && !storedElsewhere) {
            if (buffer == null) {
                buffer = new byte[(int) Math.min(payload, size - confirmed)];
            }
            int want = (int) Math.min(left, buffer.length - buffered);
            int n;
            try {
                n = data.readNBytes(buffer, buffered, want);
            } catch (IOException e) {
                n = -1;
            }
            if (n < want) {
                long at = confirmed + buffered;
                buffered = 0;
                buffer = null;
                throw new ProviderException("Could not read the bytes of blob " + key + " to upload at byte " + at,
                        true);
            }
            buffered += n;
            left -= n;
            if (buffered == buffer.length) {
                send(patcher);
            }
        }
        if (!exact && buffered > 0 && !storedElsewhere) {
            send(patcher);
        }
    }

    private void send(Patcher patcher) throws ProviderException {
        long now = patcher.patch(confirmed, buffer, buffered);
        if (now == STORED) {
            storedElsewhere = true;
        } else {
            if (digest != null) {
                digest.update(buffer, 0, buffered);
            }
            confirmed = now;
        }
        buffer = null;
        buffered = 0;
    }

    /** Continues from the server's {@code offset}: what is held here beyond it is dropped. */
    synchronized void rewind(long offset) {
        if (offset >= confirmed && offset <= confirmed + buffered) {
            if (digest != null && offset > confirmed) {
                digest.update(buffer, 0, (int) (offset - confirmed));
            }
        } else {
            digest = offset == 0 ? Hashing.sha256() : null;
        }
        confirmed = offset;
        buffer = null;
        buffered = 0;
    }

    /** Whether the server said another upload stored the object first. */
    synchronized boolean storedElsewhere() {
        return storedElsewhere;
    }

    /** Whether the uploaded bytes hash to the key; empty when this process did not see them all. */
    synchronized Optional<Boolean> hashMatches() {
        if (digest == null || confirmed != size || storedElsewhere) {
            return Optional.empty();
        }
        try {
            return Optional.of(Hashing.hex((MessageDigest) digest.clone()).equals(key));
        } catch (CloneNotSupportedException e) {
            return Optional.empty();
        }
    }
}

package dev.blobsync.engine.provider.s3;

import dev.blobsync.engine.internal.Hashing;
import dev.blobsync.engine.spi.ProviderException;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The part of a multipart upload that lives in this process: the part being filled, the parts
 * in flight, and the SHA-256 of everything appended since byte 0.
 *
 * <p>Appended bytes are cut into parts of the token's part size (the last may be shorter);
 * each full part goes to the provider's pool at once, with at most {@code concurrency} in
 * flight, so {@link #append} returns before its parts are at the server. Nothing here counts
 * as uploaded: what the server lists (ListParts) is the truth, and a failed part surfaces on
 * the next call, after which the caller asks the server and {@link #rewind}s.
 *
 * <p>Threads: the uploader calls the synchronized methods, one at a time; the pool's tasks
 * touch only {@code slots} and {@code failure}, so waiting for them under the lock is safe.
 */
final class MultipartSession {
    private final String key;
    private final UploadToken token;
    private final ObjectStore store;
    private final ExecutorService pool;
    private final boolean sendMd5;
    private final Semaphore slots;
    private final AtomicReference<ProviderException> failure = new AtomicReference<>();

    // Guarded by this.
    private final List<Future<?>> inFlight = new ArrayList<>();
    /** SHA-256 states at part boundaries, so a rewind within this process keeps the hash. */
    private final Map<Long, MessageDigest> boundaries = new HashMap<>();
    private long accepted;
    private byte[] buffer;
    private int buffered;
    private MessageDigest sha;
    private boolean hashedFromStart;

    MultipartSession(String key, UploadToken token, ObjectStore store, ExecutorService pool, boolean sendMd5,
                     int concurrency, long start) {
        this.key = key;
        this.token = token;
        this.store = store;
        this.pool = pool;
        this.sendMd5 = sendMd5;
        this.slots = new Semaphore(concurrency);
        this.accepted = start;
        this.sha = Hashing.sha256();
        this.hashedFromStart = start == 0;
        if (hashedFromStart) {
            boundaries.put(0L, copy(sha));
        }
    }

    synchronized void append(long offset, InputStream data, long length) throws ProviderException {
        rethrowFailure();
        if (offset != accepted) {
            throw new ProviderException("Upload of blob " + key + " is at byte " + accepted + ", not " + offset
                    + "; ask for the offset again", true);
        }
        if (length < 0 || offset + length > token.size()) {
            throw new ProviderException("Upload of blob " + key + " is " + token.size() + " bytes; " + length
                    + " more at byte " + offset + " do not fit", false);
        }
        long left = length;
        try {
            while (left > 0) {
                if (buffer == null) {
                    buffer = new byte[(int) Math.min(token.partSize(), token.size() - accepted)];
                }
                int want = (int) Math.min(left, buffer.length - buffered);
                int n = data.readNBytes(buffer, buffered, want);
                if (n < want) {
                    throw new IOException("the data ended " + (left - n) + " bytes early");
                }
                if (hashedFromStart) {
                    sha.update(buffer, buffered, n);
                }
                buffered += n;
                accepted += n;
                left -= n;
                if (buffered == buffer.length) {
                    dispatch();
                }
            }
        } catch (IOException e) {
            rewindLocked(accepted - buffered);
            throw new ProviderException("Could not read the bytes of blob " + key + " to upload: " + e.getMessage(),
                    true, e);
        }
    }

    private void dispatch() throws ProviderException {
        byte[] part = buffer;
        int length = buffered;
        int number = token.partAt(accepted - length);
        buffer = null;
        buffered = 0;
        if (hashedFromStart) {
            boundaries.put(accepted, copy(sha));
        }
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            rewindLocked(accepted - length);
            throw new ProviderException("Interrupted while uploading blob " + key, true, e);
        }
        inFlight.removeIf(Future::isDone);
        inFlight.add(pool.submit(() -> {
            try {
                store.uploadPart(key, token.id(), number, part, length, sendMd5 ? md5(part, length) : null);
            } catch (ProviderException e) {
                failure.compareAndSet(null, e);
            } catch (RuntimeException e) {
                failure.compareAndSet(null, new ProviderException("Uploading part " + number + " of blob " + key
                        + " failed: " + e, true, e));
            } finally {
                slots.release();
            }
        }));
    }

    /** Waits until no part is in flight; throws the first part that failed. */
    synchronized void awaitParts() throws ProviderException {
        awaitLocked();
        rethrowFailure();
    }

    private void awaitLocked() {
        boolean interrupted = false;
        for (Iterator<Future<?>> it = inFlight.iterator(); it.hasNext(); ) {
            Future<?> f = it.next();
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    break; // the task records its own failure
                }
            }
            it.remove();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void rethrowFailure() throws ProviderException {
        ProviderException e = failure.getAndSet(null);
        if (e != null) {
            throw e;
        }
    }

    /** Continues from {@code offset}, where the server's parts end: drops what came after. */
    synchronized void rewind(long offset) {
        awaitLocked();
        failure.set(null);
        rewindLocked(offset);
    }

    private void rewindLocked(long offset) {
        buffer = null;
        buffered = 0;
        accepted = offset;
        MessageDigest state = hashedFromStart ? boundaries.get(offset) : null;
        if (state == null) {
            hashedFromStart = false;
            boundaries.clear();
        } else {
            sha = copy(state);
            boundaries.keySet().removeIf(o -> o > offset);
        }
    }

    /** Whether every byte went through this session and hashes to the key; empty when unknown. */
    synchronized Optional<Boolean> hashMatchesKey() {
        if (!hashedFromStart || accepted != token.size() || buffered != 0) {
            return Optional.empty();
        }
        return Optional.of(Hashing.hex(copy(sha)).equals(key));
    }

    synchronized long accepted() {
        return accepted;
    }

    private static MessageDigest copy(MessageDigest d) {
        try {
            return (MessageDigest) d.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digests of this JVM cannot be copied", e);
        }
    }

    /** The base64 MD5 of {@code data[0, length)}, as the Content-MD5 header wants it. */
    static String md5(byte[] data, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            md.update(data, 0, length);
            return Base64.getEncoder().encodeToString(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is missing from this JVM", e);
        }
    }
}

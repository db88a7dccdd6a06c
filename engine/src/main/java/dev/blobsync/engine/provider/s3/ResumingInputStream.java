package dev.blobsync.engine.provider.s3;

import dev.blobsync.engine.spi.ProviderException;
import java.io.IOException;
import java.io.InputStream;

/**
 * A download that survives a broken connection: when a read fails it asks for the rest with a
 * new ranged GET from where it stopped, a few times with a short pause. Blobs are immutable,
 * so the continuation is the same bytes. A body that ends before its announced length must
 * fail (the stores' streams throw then); a clean end is the end, also when it comes before
 * the requested range's end, because the blob is shorter.
 */
final class ResumingInputStream extends InputStream {

    /** Opens {@code [offset, offset + length)}, or to the end for {@code length < 0}. */
    @FunctionalInterface
    interface Opener {
        InputStream open(long offset, long length) throws ProviderException;
    }

    private static final int RETRIES = 3;

    private final Opener opener;
    private final long end;
    private long position;
    private InputStream in;
    private int retriesLeft = RETRIES;

    /** Starts at {@code offset} with {@code first} already open; {@code length < 0} reads to the end. */
    ResumingInputStream(Opener opener, InputStream first, long offset, long length) {
        this.opener = opener;
        this.in = first;
        this.position = offset;
        this.end = length < 0 ? -1 : offset + length;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (true) {
            if (end >= 0 && position >= end) {
                return -1;
            }
            int want = end < 0 ? len : (int) Math.min(len, end - position);
            try {
                int n = in.read(b, off, want);
                if (n > 0) {
                    position += n;
                    return n;
                }
                if (n < 0) {
                    return -1;
                }
            } catch (IOException e) {
                if (retriesLeft-- <= 0) {
                    throw e;
                }
                reopen(e);
            }
        }
    }

    private void reopen(IOException cause) throws IOException {
        try {
            in.close();
        } catch (IOException ignored) {
            // The broken stream is replaced either way.
        }
        try {
            Thread.sleep(100L * (RETRIES - retriesLeft));
            in = opener.open(position, end < 0 ? -1 : end - position);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw cause;
        } catch (ProviderException e) {
            cause.addSuppressed(e);
            throw cause;
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}

package dev.blobsync.engine.provider.tus;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * The next {@code limit} bytes of a stream, as the body of one request or a short read. It
 * fails when the stream ends early, so a request never carries fewer bytes than it announced;
 * closing it closes the source only when asked to (an upload's source spans several requests).
 */
final class LimitedInputStream extends InputStream {
    private final InputStream source;
    private final boolean closeSource;
    private final boolean mustFill;
    private long left;

    private LimitedInputStream(InputStream source, long limit, boolean closeSource, boolean mustFill) {
        this.source = source;
        this.left = limit;
        this.closeSource = closeSource;
        this.mustFill = mustFill;
    }

    /** Exactly {@code length} bytes of {@code source}, which stays open. */
    static LimitedInputStream exactly(InputStream source, long length) {
        return new LimitedInputStream(source, length, false, true);
    }

    /** At most {@code limit} bytes of {@code source}; closing this closes it. */
    static LimitedInputStream atMost(InputStream source, long limit) {
        return new LimitedInputStream(source, limit, true, false);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (left <= 0) {
            return -1;
        }
        if (len == 0) {
            return 0;
        }
        int n = source.read(b, off, (int) Math.min(len, left));
        if (n < 0) {
            if (mustFill) {
                throw new EOFException("the data ended " + left + " bytes early");
            }
            left = 0;
            return -1;
        }
        left -= n;
        return n;
    }

    @Override
    public int available() throws IOException {
        return (int) Math.min(source.available(), left);
    }

    @Override
    public void close() throws IOException {
        if (closeSource) {
            source.close();
        }
    }
}

package dev.blobsync.engine.testing;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A request whose body bytes are counted (into a shared total and per request) and may be held
 * back by a {@link Gate}, for {@link TusTestServer}.
 */
final class CountingRequest extends HttpServletRequestWrapper {
    /** Decides how many of the wanted bytes may be read now, waiting if none may. */
    @FunctionalInterface
    interface Gate {
        int allowed(int wanted) throws IOException;
    }

    private final Gate gate;
    private final AtomicLong total;
    private final AtomicLong mine = new AtomicLong();
    private ServletInputStream in;

    CountingRequest(HttpServletRequest request, Gate gate, AtomicLong total) {
        super(request);
        this.gate = gate;
        this.total = total;
    }

    long bytesRead() {
        return mine.get();
    }

    @Override
    public synchronized ServletInputStream getInputStream() throws IOException {
        if (in == null) {
            ServletInputStream source = super.getInputStream();
            in = new ServletInputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (len == 0) {
                        return 0;
                    }
                    int n = source.read(b, off, gate.allowed(len));
                    if (n > 0) {
                        total.addAndGet(n);
                        mine.addAndGet(n);
                    }
                    return n;
                }

                @Override
                public boolean isFinished() {
                    return source.isFinished();
                }

                @Override
                public boolean isReady() {
                    return source.isReady();
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    source.setReadListener(listener);
                }
            };
        }
        return in;
    }
}

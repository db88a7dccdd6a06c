package dev.blobsync.engine.testing;

import dev.blobsync.engine.spi.BlobProvider;
import dev.blobsync.engine.spi.ProviderException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Wraps a real blob provider and counts what crosses its boundary: bytes read from it and
 * bytes appended to it. It can also be switched "down", answering every call like an
 * unreachable server.
 */
public final class CountingBlobProvider implements BlobProvider {
    private final BlobProvider inner;
    public final AtomicLong bytesRead = new AtomicLong();
    public final AtomicLong bytesWritten = new AtomicLong();
    public final AtomicLong reads = new AtomicLong();
    public final AtomicBoolean down = new AtomicBoolean();
    public final AtomicBoolean uploadsFail = new AtomicBoolean();

    public CountingBlobProvider(BlobProvider inner) {
        this.inner = inner;
    }

    private void check() throws ProviderException {
        if (down.get()) {
            throw new ProviderException("connection refused (the test took the blob store down)", true);
        }
    }

    @Override
    public OptionalLong size(String key) throws ProviderException {
        check();
        return inner.size(key);
    }

    @Override
    public InputStream read(String key, long offset, long length) throws ProviderException {
        check();
        reads.incrementAndGet();
        return new FilterInputStream(inner.read(key, offset, length)) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    bytesRead.incrementAndGet();
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    bytesRead.addAndGet(n);
                }
                return n;
            }
        };
    }

    @Override
    public String beginUpload(String key, long size) throws ProviderException {
        check();
        if (uploadsFail.get()) {
            throw new ProviderException("the test refuses uploads", false);
        }
        return inner.beginUpload(key, size);
    }

    @Override
    public long uploadedBytes(String key, String token) throws ProviderException {
        check();
        return inner.uploadedBytes(key, token);
    }

    @Override
    public void append(String key, String token, long offset, InputStream data, long length)
            throws ProviderException {
        check();
        bytesWritten.addAndGet(length);
        inner.append(key, token, offset, data, length);
    }

    @Override
    public void complete(String key, String token) throws ProviderException {
        check();
        inner.complete(key, token);
    }

    @Override
    public void abort(String key, String token) throws ProviderException {
        check();
        inner.abort(key, token);
    }

    @Override
    public void delete(String key) throws ProviderException {
        check();
        inner.delete(key);
    }

    @Override
    public void ping() throws ProviderException {
        check();
        inner.ping();
    }

    @Override
    public Optional<String> urlOf(String key) {
        return inner.urlOf(key);
    }

    @Override
    public String describe() {
        return inner.describe();
    }

    @Override
    public void close() {
        inner.close();
    }
}

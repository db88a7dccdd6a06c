package dev.blobsync.engine.testing;

import dev.blobsync.engine.spi.ChangePage;
import dev.blobsync.engine.spi.DataProvider;
import dev.blobsync.engine.spi.Mutation;
import dev.blobsync.engine.spi.ProviderException;
import dev.blobsync.engine.spi.PushResult;
import java.util.List;

/**
 * A real data provider behind a cable a test can pull: while unplugged every call fails as a
 * network error would (retryable), and nothing reaches the provider.
 */
public final class Unplugged implements DataProvider {
    private final DataProvider inner;
    private volatile boolean unplugged;

    public Unplugged(DataProvider inner) {
        this.inner = inner;
    }

    public void unplug() {
        unplugged = true;
    }

    public void plugIn() {
        unplugged = false;
    }

    private void check() throws ProviderException {
        if (unplugged) {
            throw new ProviderException("connection refused (unplugged by the test)", true);
        }
    }

    @Override
    public List<PushResult> push(List<Mutation> mutations) throws ProviderException {
        check();
        return inner.push(mutations);
    }

    @Override
    public ChangePage changesSince(String cursor, int limit) throws ProviderException {
        check();
        return inner.changesSince(cursor, limit);
    }

    @Override
    public AutoCloseable watch(Runnable onChange) {
        return inner.watch(onChange);
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

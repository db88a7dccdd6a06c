package dev.blobsync.engine;

/** A registered listener; {@link #close()} stops deliveries. Closing twice is harmless. */
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}

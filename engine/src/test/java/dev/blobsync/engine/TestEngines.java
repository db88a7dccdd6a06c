package dev.blobsync.engine;

import dev.blobsync.engine.config.EngineConfig;
import dev.blobsync.engine.testing.CountingBlobProvider;
import java.util.concurrent.atomic.AtomicReference;

/** Opens engines whose blob provider is wrapped in a {@link CountingBlobProvider}. */
public final class TestEngines {
    private TestEngines() {
    }

    /** An engine and the counter in front of its blob provider. */
    public record Counted(SyncEngine engine, CountingBlobProvider provider) implements AutoCloseable {
        @Override
        public void close() {
            engine.close();
        }
    }

    public static Counted openCounted(EngineConfig config) {
        AtomicReference<CountingBlobProvider> ref = new AtomicReference<>();
        SyncEngine e = DefaultSyncEngine.open(config, p -> {
            CountingBlobProvider c = new CountingBlobProvider(p);
            ref.set(c);
            return c;
        });
        return new Counted(e, ref.get());
    }
}

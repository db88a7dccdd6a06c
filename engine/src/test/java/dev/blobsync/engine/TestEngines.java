package dev.blobsync.engine;

import dev.blobsync.engine.config.EngineConfig;
import dev.blobsync.engine.testing.CountingBlobProvider;
import dev.blobsync.engine.testing.ManualTime;
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

    /** An engine whose live queries renew blob URLs by {@code time} instead of the system clock. */
    public static SyncEngine openWithTime(EngineConfig config, ManualTime time) {
        return DefaultSyncEngine.open(config, p -> p, new DefaultSyncEngine.Timing(time, time));
    }

    /** An engine on {@code time} whose data provider sits behind a cable the test can pull. */
    public record Pluggable(SyncEngine engine, dev.blobsync.engine.testing.Unplugged cable) implements AutoCloseable {
        @Override
        public void close() {
            engine.close();
        }
    }

    public static Pluggable openPluggable(EngineConfig config, ManualTime time) {
        return openPluggable(config, new DefaultSyncEngine.Timing(time, time));
    }

    /** Like {@link #openPluggable(EngineConfig, ManualTime)}, on the system clock. */
    public static Pluggable openPluggable(EngineConfig config) {
        return openPluggable(config, DefaultSyncEngine.Timing.system());
    }

    private static Pluggable openPluggable(EngineConfig config, DefaultSyncEngine.Timing timing) {
        AtomicReference<dev.blobsync.engine.testing.Unplugged> ref = new AtomicReference<>();
        SyncEngine e = DefaultSyncEngine.open(config, p -> p, timing, d -> {
            dev.blobsync.engine.testing.Unplugged u = new dev.blobsync.engine.testing.Unplugged(d);
            ref.set(u);
            return u;
        });
        return new Pluggable(e, ref.get());
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

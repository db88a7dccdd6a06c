package dev.blobsync.cli;

import dev.blobsync.engine.FlushResult;
import dev.blobsync.engine.PendingItem;
import dev.blobsync.engine.PinProgress;
import dev.blobsync.engine.QueueStats;
import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.config.EngineConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the commands ask of a config's engine: the running mount's, over its control socket
 * ({@link ControlClient}), or one this command opens on the local store when no mount runs
 * ({@link EngineControl}). Both answer the same way.
 */
interface Control extends AutoCloseable {

    /** The queue as {@code blobsync queue} lists it. */
    record Listing(QueueStats stats, List<PendingItem> items) {
    }

    Views.Status status();

    Listing queue();

    FlushResult flush(Duration timeout, Consumer<QueueStats> progress);

    Views.Rule pinRule(String table, List<String> where, String priority);

    List<Views.Rule> pinRules();

    boolean unpinRule(long id);

    PinProgress pinProgress();

    /** True when a running mount answers (its socket), false when this process opened the store. */
    boolean viaMount();

    @Override
    void close();

    /** The running mount of {@code cfg}, or the store opened here when none runs. */
    static Control open(EngineConfig cfg) {
        Path socket = ControlServer.socketOf(cfg);
        if (ControlClient.reachable(socket)) {
            return new ControlClient(socket);
        }
        Logs.toCacheFolder(cfg.cache().directory());
        return EngineControl.owning(SyncEngine.open(cfg));
    }
}

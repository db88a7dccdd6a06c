package dev.blobsync.cli;

import dev.blobsync.engine.CacheStats;
import dev.blobsync.engine.FlushResult;
import dev.blobsync.engine.PendingItem;
import dev.blobsync.engine.PinProgress;
import dev.blobsync.engine.PinRule;
import dev.blobsync.engine.PinRuleStatus;
import dev.blobsync.engine.Priority;
import dev.blobsync.engine.QueueStats;
import dev.blobsync.engine.Subscription;
import dev.blobsync.engine.SyncEngine;
import dev.blobsync.engine.event.Offline;
import dev.blobsync.engine.event.Online;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * {@link Control} over an engine in this process: the mount's own (behind its control socket)
 * or one a command opened on the local store, which it then closes.
 */
final class EngineControl implements Control {
    /** How long a command that opened the store waits for the first word from the providers. */
    private static final Duration FIRST_CONTACT = Duration.ofSeconds(5);
    private static final int MAX_CONFLICTS = 1000;

    private final SyncEngine engine;
    private final Supplier<List<Views.Problem>> refusals;
    private final String mountPoint;
    private final boolean owned;
    private final CountDownLatch contact = new CountDownLatch(1);
    private final List<Subscription> subscriptions = new ArrayList<>();

    EngineControl(SyncEngine engine, Supplier<List<Views.Problem>> refusals, String mountPoint, boolean owned) {
        this.engine = engine;
        this.refusals = refusals;
        this.mountPoint = mountPoint;
        this.owned = owned;
        if (owned) {
            subscriptions.add(engine.on(Online.class, e -> contact.countDown()));
            subscriptions.add(engine.on(Offline.class, e -> contact.countDown()));
            engine.syncNow();
        }
    }

    /** Controls an engine this command opened; {@link #close()} closes it. */
    static EngineControl owning(SyncEngine engine) {
        Path cache = engine.config().cache().directory();
        return new EngineControl(engine, () -> RecentErrors.read(cache), null, true);
    }

    @Override
    public Views.Status status() {
        if (owned) {
            try {
                // Whether the providers answer is known after the first sync cycle.
                contact.await(FIRST_CONTACT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        QueueStats q = engine.offline().stats();
        CacheStats c = engine.cache().stats();
        List<Views.Provider> providers = List.of(
                new Views.Provider("data", engine.config().data().provider(), q.dataOnline()),
                new Views.Provider("blobs", engine.config().blobs().provider(), q.blobsOnline()));
        List<Views.Problem> problems = new ArrayList<>(refusals.get());
        for (PendingItem i : engine.offline().pending()) {
            if (i.error() != null) {
                problems.add(new Views.Problem(null, describe(i), i.error()));
            }
        }
        return new Views.Status(owned ? "store" : "mount", mountPoint, providers,
                new Views.Queue(q.uploads(), q.uploadBytes(), q.sentBytes(), q.changes(), q.errors(), q.queuedBytes(),
                        q.maxQueueSize()),
                new Views.Cache(c.used(), c.maxSize(), c.available(), c.pinned(), c.items()),
                q.drafts(), localOnlyFiles(), engine.conflicts(MAX_CONFLICTS).size(), problems);
    }

    /** "photos/2026-07-04 Beach (insert)" or "upload of IMG_1.jpg". */
    static String describe(PendingItem i) {
        String name = i.name() != null ? i.name() : i.id();
        return "upload".equals(i.type()) ? "upload of " + name
                : (i.table() != null ? i.table() + "/" : "") + name + " (" + i.type() + ")";
    }

    private int localOnlyFiles() {
        Path scratch = engine.scratchDirectory();
        if (!Files.isDirectory(scratch)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(scratch)) {
            return (int) files.filter(Files::isRegularFile).count();
        } catch (IOException e) {
            return 0;
        }
    }

    @Override
    public Listing queue() {
        return new Listing(engine.offline().stats(), engine.offline().pending());
    }

    @Override
    public FlushResult flush(Duration timeout, Consumer<QueueStats> progress) {
        return engine.offline().flush(timeout, progress);
    }

    @Override
    public Views.Rule pinRule(String table, List<String> where, String priority) {
        List<PinRule.Condition> conditions = where.stream().map(PinRule.Condition::parse).toList();
        PinRule rule = engine.cache().pinRule(table, conditions, Priority.parse(priority));
        return engine.cache().pinRules().stream().filter(s -> s.rule().id() == rule.id()).findFirst()
                .map(Views.Rule::of)
                .orElseGet(() -> Views.Rule.of(new PinRuleStatus(rule, 0, 0, 0, 0, null)));
    }

    @Override
    public List<Views.Rule> pinRules() {
        return engine.cache().pinRules().stream().map(Views.Rule::of).toList();
    }

    @Override
    public boolean unpinRule(long id) {
        return engine.cache().removePinRule(id);
    }

    @Override
    public PinProgress pinProgress() {
        return engine.cache().pinProgress();
    }

    @Override
    public boolean viaMount() {
        return false;
    }

    @Override
    public void close() {
        subscriptions.forEach(Subscription::close);
        if (owned) {
            engine.close();
        }
    }
}

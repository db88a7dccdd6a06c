package dev.blobsync.engine.spi;

import java.util.List;

/**
 * Where records live remotely: the SPI every data backend implements ({@code sqlite},
 * {@code postgres}; later adapters such as Electric or PowerSync).
 *
 * <p>Contract (checked by {@code DataProviderContract}):
 * <ul>
 *   <li>{@link #push} applies each mutation atomically and in order, and an acknowledged push
 *       is committed (it survives the provider's restart). It answers
 *       {@link PushResult.Status#CONFLICT} with the current state when the stored revision is
 *       not the mutation's {@code baseRev}, and treats a mutation id it has applied before as
 *       applied.</li>
 *   <li>Applying keeps, per field, the value with the latest {@link Hlc} (ties cannot happen
 *       between devices: the device id is part of the clock). A delete wins only over clocks
 *       older than its own, and an upsert re-creates a deleted record only with a clock later
 *       than the delete's.</li>
 *   <li>{@link #changesSince} never skips a committed change, also when concurrent writers
 *       commit out of order, and pages through the feed with an opaque cursor.</li>
 * </ul>
 */
public interface DataProvider extends AutoCloseable {

    /** Applies {@code mutations} in order; one result per mutation, in the same order. */
    List<PushResult> push(List<Mutation> mutations) throws ProviderException;

    /**
     * Changes committed after {@code cursor}, in feed order, at most {@code limit}.
     *
     * @param cursor {@code null} for the start of the feed, else a cursor this provider returned
     */
    ChangePage changesSince(String cursor, int limit) throws ProviderException;

    /**
     * Asks to be told when something may have changed (LISTEN/NOTIFY, a file watch, a long
     * poll), so the engine pulls at once instead of at its next poll. {@code onChange} runs on a
     * provider thread and must return quickly; it may be called when nothing changed. Providers
     * that cannot watch return a handle that does nothing: the engine polls anyway.
     */
    default AutoCloseable watch(Runnable onChange) {
        return () -> { };
    }

    /** A short description for messages, e.g. {@code sqlite hub /home/a/hub}; never a secret. */
    String describe();

    @Override
    void close();
}

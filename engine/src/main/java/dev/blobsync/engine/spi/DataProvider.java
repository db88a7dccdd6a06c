package dev.blobsync.engine.spi;

import java.util.List;

/**
 * Where records live remotely: the SPI every data backend implements ({@code sqlite},
 * later {@code postgres}).
 *
 * <p>Contract (checked by {@code DataProviderContract}): {@link #push} applies each mutation
 * atomically and in order, assigns a revision that increases along the change feed, answers
 * {@link PushResult.Status#CONFLICT} with the current state when the stored revision is not
 * the mutation's {@code baseRev}, and treats a mutation id it has applied before as applied.
 * {@link #changesSince} never skips a committed change.
 */
public interface DataProvider extends AutoCloseable {

    /** Applies {@code mutations} in order; one result per mutation, in the same order. */
    List<PushResult> push(List<Mutation> mutations) throws ProviderException;

    /** Changes committed after {@code cursor}, in feed order, at most {@code limit}. */
    ChangePage changesSince(long cursor, int limit) throws ProviderException;

    /** A short description for messages, e.g. {@code sqlite hub /home/a/hub}. */
    String describe();

    @Override
    void close();
}

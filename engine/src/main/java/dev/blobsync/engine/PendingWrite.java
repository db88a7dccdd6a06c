package dev.blobsync.engine;

import java.util.concurrent.CompletableFuture;

/**
 * A local write as {@link Table#insertAsync} and {@link Table#updateAsync} return it: the
 * optimistic record at once, and a future for when the data provider has it.
 *
 * <p>{@code synced} completes with the record as it stands once it has no local change left to
 * push (state {@link RecordState#SYNCED}; {@code null} if another device deleted it right after).
 * A push that fails keeps the change queued and retried, so the future stays pending meanwhile,
 * also offline and across {@link RecordState#ERROR}; it never times out by itself. It completes
 * exceptionally only when the change can never be synced: with {@link ConflictException} when
 * {@code offline.conflictResolution: server-wins} dropped it in favour of another device's
 * version (kept in the local conflicts table), and with a
 * {@link java.util.concurrent.CancellationException} when the engine is closed first (the change
 * stays queued for the next start). Dependent actions without an executor of their own run on
 * the engine's events thread.
 *
 * @param record the record as written, state {@link RecordState#QUEUED} (or
 *               {@link RecordState#DRAFT}, which is not pushed until complete)
 * @param synced completes when the change is synced, see above
 */
public record PendingWrite(Record record, CompletableFuture<Record> synced) {
}

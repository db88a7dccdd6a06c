package dev.blobsync.engine.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.config.ConflictResolution;
import dev.blobsync.engine.spi.Clocks;
import dev.blobsync.engine.spi.Hlc;
import dev.blobsync.engine.spi.RemoteRecord;
import dev.blobsync.engine.store.PendingRow;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Settles an outbox entry that the provider refused because the record changed there since the
 * entry's base: a pure function of the local entry, the provider's current state and the policy.
 *
 * <p>A field is in conflict when the provider's clock for it is no longer the one this device
 * saw when it first changed the field ({@link PendingRow#seen}), and the two values differ.
 * Fields only one side changed merge without a conflict. Per policy, for the fields in
 * conflict:
 * <ul>
 *   <li>{@code last-write-wins}: the value with the later clock wins (an offline edit made at
 *       10:00 and pushed at 12:00 loses to a change made at 11:00 elsewhere);</li>
 *   <li>{@code server-wins}: the provider's value wins;</li>
 *   <li>{@code manual}: the entry is held, with both versions kept as an open conflict, until a
 *       choice is made ({@link #choose}).</li>
 * </ul>
 * A delete against concurrent changes (and a change against a concurrent delete) is decided the
 * same way, with the delete's clock against the latest clock of the other side. Whatever wins,
 * the other version is kept ({@link Outcome#conflict}): invariant 6.
 */
public final class ConflictResolver {
    private ConflictResolver() {
    }

    /** What to keep of a conflict: which fields, who wrote the remote side, who won (null: open). */
    public record Kept(Set<String> fields, String remoteDevice, String winner, boolean open) {
    }

    /**
     * @param next     the outbox entry from now on, or null when nothing is left to push
     * @param conflict what to keep in the conflicts table, or null when nothing really conflicted
     */
    public record Outcome(PendingRow next, Kept conflict) {
    }

    /** Settles {@code local} against {@code remote} (never null) under {@code policy}. */
    public static Outcome resolve(PendingRow local, RemoteRecord remote, ConflictResolution policy) {
        if (local.deleted()) {
            return localDelete(local, remote, policy);
        }
        if (remote.deleted()) {
            return remoteDelete(local, remote, policy);
        }
        Set<String> conflicting = new LinkedHashSet<>();
        for (String f : local.changed()) {
            if (!remote.clock(f).equals(local.seen(f)) && !same(local.fields().get(f), remote.fields().get(f))) {
                conflicting.add(f);
            }
        }
        if (conflicting.isEmpty()) {
            return new Outcome(rebase(local, remote, local.changed(), false), null);
        }
        String device = deviceOf(remote, conflicting);
        if (policy == ConflictResolution.MANUAL) {
            return new Outcome(held(local), new Kept(conflicting, device, null, true));
        }
        Set<String> lost = new LinkedHashSet<>();
        for (String f : conflicting) {
            if (policy == ConflictResolution.SERVER_WINS || !local.clock(f).after(remote.clock(f))) {
                lost.add(f);
            }
        }
        Set<String> keep = new LinkedHashSet<>(local.changed());
        keep.removeAll(lost);
        String winner = lost.isEmpty() ? "local" : lost.size() == conflicting.size() ? "remote" : "mixed";
        return new Outcome(keep.isEmpty() ? null : rebase(local, remote, keep, false),
                new Kept(conflicting, device, winner, false));
    }

    private static Outcome localDelete(PendingRow local, RemoteRecord remote, ConflictResolution policy) {
        if (remote.deleted()) {
            return new Outcome(null, null);
        }
        Set<String> concurrent = new LinkedHashSet<>();
        for (Map.Entry<String, Hlc> e : remote.clocks().entrySet()) {
            if (!e.getValue().equals(local.seen(e.getKey()))) {
                concurrent.add(e.getKey());
            }
        }
        if (concurrent.isEmpty()) {
            return new Outcome(rebase(local, remote, Set.of(), true), null);
        }
        concurrent.remove(Hlc.RECORD);
        String device = deviceOf(remote, concurrent.isEmpty() ? Set.of(Hlc.RECORD) : concurrent);
        if (policy == ConflictResolution.MANUAL) {
            return new Outcome(held(local), new Kept(concurrent, device, null, true));
        }
        Hlc theirs = Hlc.ZERO;
        for (Map.Entry<String, Hlc> e : remote.clocks().entrySet()) {
            if (!e.getValue().equals(local.seen(e.getKey()))) {
                theirs = Hlc.max(theirs, e.getValue());
            }
        }
        boolean deleteWins = policy == ConflictResolution.LAST_WRITE_WINS && local.clock(Hlc.RECORD).after(theirs);
        return new Outcome(deleteWins ? rebase(local, remote, Set.of(), true) : null,
                new Kept(concurrent, device, deleteWins ? "local" : "remote", false));
    }

    private static Outcome remoteDelete(PendingRow local, RemoteRecord remote, ConflictResolution policy) {
        if (remote.clock(Hlc.RECORD).equals(local.seen(Hlc.RECORD))) {
            // The delete was seen before this change: the change re-creates the record.
            return new Outcome(rebase(local, remote, local.changed(), false), null);
        }
        String device = deviceOf(remote, Set.of(Hlc.RECORD));
        if (policy == ConflictResolution.MANUAL) {
            return new Outcome(held(local), new Kept(Set.of(), device, null, true));
        }
        Hlc ours = Hlc.ZERO;
        for (String f : local.changed()) {
            ours = Hlc.max(ours, local.clock(f));
        }
        boolean changeWins = policy == ConflictResolution.LAST_WRITE_WINS && ours.after(remote.clock(Hlc.RECORD));
        return new Outcome(changeWins ? rebase(local, remote, local.changed(), false) : null,
                new Kept(Set.of(), device, changeWins ? "local" : "remote", false));
    }

    /**
     * Applies a manual choice to a held entry: {@code keepMine} fields are stamped with
     * {@code now} (a choice made now, after seeing the other version, so it wins at the
     * provider), the other {@code fields} take the provider's value from {@code remote}.
     * Returns the entry to push, or null when nothing is left to push.
     */
    public static PendingRow choose(PendingRow held, RemoteRecord remote, Set<String> fields, boolean keepMine,
                                    boolean stillHeld, Hlc now) {
        if (held.deleted() || remote.deleted()) {
            if (keepMine) {
                Map<String, Hlc> clocks = new HashMap<>(held.clocks());
                if (held.deleted()) {
                    clocks.put(Hlc.RECORD, now);
                } else {
                    held.changed().forEach(f -> clocks.put(f, now));
                }
                PendingRow stamped = withClocks(held, clocks);
                return rebase(stamped, remote, held.changed(), held.deleted());
            }
            return null;
        }
        Set<String> changed = new LinkedHashSet<>(held.changed());
        Map<String, Hlc> clocks = new HashMap<>(held.clocks());
        ObjectNode values = held.fields().deepCopy();
        for (String f : fields) {
            if (keepMine) {
                clocks.put(f, now);
            } else {
                changed.remove(f);
                clocks.remove(f);
                JsonNode theirs = remote.fields().get(f);
                if (theirs == null || theirs.isNull()) {
                    values.remove(f);
                } else {
                    values.set(f, theirs);
                }
            }
        }
        if (changed.isEmpty()) {
            return null;
        }
        PendingRow next = new PendingRow(held.table(), held.id(), held.seq(), held.mutationId(), values, changed,
                false, held.baseRev(), held.draft(), held.attempts(), held.lastError(), held.updatedAt(), clocks,
                held.seen(), stillHeld);
        return stillHeld ? next : rebase(next, remote, changed, false);
    }

    private static PendingRow withClocks(PendingRow p, Map<String, Hlc> clocks) {
        return new PendingRow(p.table(), p.id(), p.seq(), p.mutationId(), p.fields(), p.changed(), p.deleted(),
                p.baseRev(), p.draft(), p.attempts(), p.lastError(), p.updatedAt(), clocks, p.seen(), p.held());
    }

    /**
     * The entry on the provider's current revision: the provider's fields with {@code keep} laid
     * over them, and every kept field marked as seen at the provider's clock.
     */
    static PendingRow rebase(PendingRow p, RemoteRecord remote, Set<String> keep, boolean deleted) {
        ObjectNode fields = remote.deleted() && !deleted ? p.fields().deepCopy() : remote.fields().deepCopy();
        Map<String, Hlc> seen = new HashMap<>(p.seen());
        for (Map.Entry<String, Hlc> e : remote.clocks().entrySet()) {
            seen.put(e.getKey(), e.getValue());
        }
        Map<String, Hlc> clocks = new HashMap<>();
        for (String f : keep) {
            JsonNode v = p.fields().get(f);
            if (v == null || v.isNull()) {
                fields.remove(f);
            } else {
                fields.set(f, v);
            }
            clocks.put(f, p.clock(f));
        }
        if (deleted) {
            clocks.put(Hlc.RECORD, p.clock(Hlc.RECORD));
        }
        return new PendingRow(p.table(), p.id(), p.seq(), UUID.randomUUID().toString(), fields,
                new LinkedHashSet<>(keep), deleted, remote.rev(), p.draft(), p.attempts(), p.lastError(),
                p.updatedAt(), clocks, seen, false);
    }

    private static PendingRow held(PendingRow p) {
        return new PendingRow(p.table(), p.id(), p.seq(), p.mutationId(), p.fields(), p.changed(), p.deleted(),
                p.baseRev(), p.draft(), p.attempts(), p.lastError(), p.updatedAt(), p.clocks(), p.seen(), true);
    }

    /** The device that wrote the latest of {@code fields} on the remote side. */
    private static String deviceOf(RemoteRecord remote, Set<String> fields) {
        Hlc latest = Hlc.ZERO;
        for (String f : fields) {
            latest = Hlc.max(latest, remote.clock(f));
        }
        if (latest.equals(Hlc.ZERO)) {
            latest = Clocks.latest(remote.clocks());
        }
        return latest.device().isEmpty() ? null : latest.device();
    }

    /** JSON equality with numbers compared by value (a stored 5 and 5.0 are the same). */
    static boolean same(JsonNode a, JsonNode b) {
        boolean aNull = a == null || a.isNull();
        boolean bNull = b == null || b.isNull();
        if (aNull || bNull) {
            return aNull && bNull;
        }
        return a.equals((x, y) -> x.isNumber() && y.isNumber()
                ? x.decimalValue().compareTo(y.decimalValue()) : x.equals(y) ? 0 : 1, b);
    }
}

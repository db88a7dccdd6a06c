package dev.blobsync.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.blobsync.engine.store.LocalStore;
import dev.blobsync.engine.store.PinRuleRows;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pin rules: stored queries whose matches get the rule's priority. Each rule follows one live
 * query ({@link Query#subscribe}); a delivery names the records that entered or left it, and
 * those are reconciled by {@link DefaultCacheControl}, which asks {@link #priorityOf} for the
 * rule layer of a record's priority.
 *
 * <p>Deliveries arrive on the engine's events thread, one at a time; {@code rules} and
 * {@code matched} are concurrent maps because {@link #priorityOf} is read from any thread.
 * Holds no lock while calling the cache control.
 */
final class PinRules implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PinRules.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One stored rule and what it selects now. */
    private static final class Active {
        final PinRule rule;
        final Set<UUID> ids = ConcurrentHashMap.newKeySet();
        final Set<UUID> refused = ConcurrentHashMap.newKeySet();
        volatile String problem;
        volatile Subscription subscription;

        Active(PinRule rule) {
            this.rule = rule;
        }
    }

    private final DefaultSyncEngine engine;
    private final LocalStore store;
    private final DefaultCacheControl cache;
    private final Clock clock;
    private final Map<Long, Active> rules = new ConcurrentHashMap<>();

    PinRules(DefaultSyncEngine engine, LocalStore store, DefaultCacheControl cache, Clock clock) {
        this.engine = engine;
        this.store = store;
        this.cache = cache;
        this.clock = clock;
    }

    /** Follows the stored rules; a rule whose table or fields left the schema is kept but idle. */
    void start() {
        for (Map.Entry<Long, String> row : store.read(PinRuleRows::all).entrySet()) {
            PinRule rule;
            try {
                rule = decode(row.getKey(), row.getValue());
            } catch (RuntimeException e) {
                LOG.warn("Pin rule {} in the local store cannot be read and is skipped: {}", row.getKey(), e.toString());
                continue;
            }
            Active a = new Active(rule);
            rules.put(rule.id(), a);
            try {
                follow(a, query(rule.table(), rule.where()));
            } catch (EngineException e) {
                a.problem = "The rule no longer fits the schema: " + e.getMessage();
                LOG.warn("Pin rule {} ({}) is idle: {}", rule.id(), rule.describe(), e.getMessage());
            }
        }
    }

    boolean any() {
        return !rules.isEmpty();
    }

    PinRule add(String table, List<PinRule.Condition> where, Priority priority) {
        Query query = query(table, where);
        for (Active a : rules.values()) {
            if (a.rule.table().equals(table) && a.rule.where().equals(where) && a.rule.priority() == priority) {
                a.refused.clear();
                a.problem = null;
                query.list().forEach(cache::reconcile);
                return a.rule;
            }
        }
        List<Record> now = query.list();
        if (priority == Priority.HIGH) {
            List<BlobRef> refs = new ArrayList<>();
            now.forEach(r -> refs.addAll(DefaultCacheControl.blobsOf(r)));
            cache.checkPinFits(refs, new PinRule(0, table, where, priority, Instant.EPOCH).describe());
        }
        Instant at = clock.instant();
        long id = store.write(c -> PinRuleRows.insert(c, n -> encode(new PinRule(n, table, where, priority, at))));
        PinRule rule = new PinRule(id, table, where, priority, at);
        Active a = new Active(rule);
        // Matches known now are marked before the query follows, so the caller sees them pinned.
        now.forEach(r -> a.ids.add(r.id()));
        rules.put(id, a);
        now.forEach(cache::reconcile);
        follow(a, query);
        LOG.info("Pin rule {} added: {} at {} ({} records now)", id, rule.describe(), priority.label(), now.size());
        return rule;
    }

    boolean remove(long id) {
        boolean stored = store.write(c -> PinRuleRows.delete(c, id));
        Active a = rules.remove(id);
        if (a == null) {
            return stored;
        }
        if (a.subscription != null) {
            a.subscription.close();
        }
        reconcile(a.rule.table(), a.ids);
        LOG.info("Pin rule {} removed: {}", id, a.rule.describe());
        return true;
    }

    List<PinRuleStatus> list() {
        List<PinRuleStatus> out = new ArrayList<>();
        for (Active a : rules.values().stream().sorted((x, y) -> Long.compare(x.rule.id(), y.rule.id())).toList()) {
            long bytes = 0;
            long cached = 0;
            int records = 0;
            Optional<Table> table = engine.findTable(a.rule.table());
            for (UUID id : a.ids) {
                Optional<Record> r = table.flatMap(t -> t.get(id));
                if (r.isEmpty()) {
                    continue;
                }
                records++;
                for (BlobRef ref : DefaultCacheControl.blobsOf(r.get())) {
                    bytes += ref.size();
                    cached += (long) (cache.cachedFraction(ref) * ref.size());
                }
            }
            out.add(new PinRuleStatus(a.rule, records, bytes, cached, a.refused.size(), a.problem));
        }
        return out;
    }

    /** The strongest priority a rule gives record {@code id}, or null when no rule selects it. */
    Priority priorityOf(UUID id) {
        Priority best = null;
        for (Active a : rules.values()) {
            if (a.ids.contains(id) && (best == null || a.rule.priority().ordinal() < best.ordinal())) {
                best = a.rule.priority();
            }
        }
        return best;
    }

    private Query query(String table, List<PinRule.Condition> where) {
        Query q = engine.table(table).query();
        for (PinRule.Condition c : where) {
            q = q.where(c.field(), c.operator(), c.value());
        }
        return q.includeBlobs().refreshUrls(false);
    }

    private void follow(Active a, Query query) {
        a.subscription = query.subscribe(result -> delivered(a, result));
    }

    private void delivered(Active a, QueryResult result) {
        if (!rules.containsKey(a.rule.id())) {
            return; // removed while this delivery was on its way
        }
        Set<UUID> now = new HashSet<>();
        Set<UUID> changed = new HashSet<>(result.changedIds());
        for (Record r : result.data()) {
            now.add(r.id());
            if (!a.ids.contains(r.id()) && !a.refused.contains(r.id()) && !fits(a, r)) {
                continue;
            }
            if (a.ids.add(r.id())) {
                changed.add(r.id());
            }
        }
        for (UUID id : Set.copyOf(a.ids)) {
            if (!now.contains(id)) {
                a.ids.remove(id);
                changed.add(id);
            }
        }
        a.refused.retainAll(now);
        if (a.refused.isEmpty()) {
            a.problem = null;
        }
        reconcile(a.rule.table(), changed);
    }

    /** Whether a new match of a pinning rule fits in the cache; notes the refusal when not. */
    private boolean fits(Active a, Record r) {
        if (a.rule.priority() != Priority.HIGH) {
            return true;
        }
        try {
            cache.checkPinFits(DefaultCacheControl.blobsOf(r), "record " + r.id());
            return true;
        } catch (QuotaExceededException e) {
            a.refused.add(r.id());
            a.problem = e.getMessage();
            LOG.warn("Pin rule {} ({}) leaves record {} unpinned: {}", a.rule.id(), a.rule.describe(), r.id(),
                    e.getMessage());
            return false;
        }
    }

    private void reconcile(String table, Set<UUID> ids) {
        engine.findTable(table).ifPresent(t -> ids.forEach(id -> t.get(id).ifPresent(cache::reconcile)));
    }

    private static String encode(PinRule rule) {
        ObjectNode n = JSON.createObjectNode();
        n.put("table", rule.table());
        ArrayNode where = n.putArray("where");
        for (PinRule.Condition c : rule.where()) {
            where.addObject().put("field", c.field()).put("operator", c.operator()).put("value", c.value());
        }
        n.put("priority", rule.priority().label());
        n.put("createdAt", rule.createdAt().toString());
        return n.toString();
    }

    private static PinRule decode(long id, String json) {
        try {
            JsonNode n = JSON.readTree(json);
            List<PinRule.Condition> where = new ArrayList<>();
            for (JsonNode c : n.path("where")) {
                where.add(new PinRule.Condition(c.path("field").asText(), c.path("operator").asText(),
                        c.path("value").asText()));
            }
            return new PinRule(id, n.path("table").asText(), where, Priority.parse(n.path("priority").asText()),
                    Instant.parse(n.path("createdAt").asText()));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("not JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        rules.values().forEach(a -> {
            if (a.subscription != null) {
                a.subscription.close();
            }
        });
    }
}

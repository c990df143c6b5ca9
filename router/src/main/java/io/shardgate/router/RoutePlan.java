package io.shardgate.router;

import java.util.List;
import java.util.Objects;

/**
 * What to do with one statement: where it goes and why. Pure data, printable, produced by a {@link Router}
 * and carried out by the proxy's executor; the seam between planning and I/O.
 *
 * @param kind    how the targets' results combine
 * @param targets where the statement goes; empty only for {@link Kind#REFUSED}
 * @param reason  why, for humans
 * @param refusal the error to answer with, for {@link Kind#REFUSED} only
 * @param merge   how to merge, for {@link Kind#SCATTER_READ} only
 * @param writes  the statement changes data or schema (or commits): the session's next reads of these groups
 *                should see it (read-your-writes)
 */
public record RoutePlan(Kind kind, List<RouteTarget> targets, String reason, Refusal refusal, MergeSpec merge,
                        boolean writes) {

    public enum Kind {
        /** The statement, unchanged, to the default group. */
        PASSTHROUGH,
        /** One shard. */
        SINGLE,
        /** Several shards; result sets merged per {@link MergeSpec}. */
        SCATTER_READ,
        /** Several shards; affected-row counts summed. */
        FANOUT_WRITE,
        /**
         * Every shard, the same write to each copy of a broadcast table: applied everywhere, reported as one
         * server would (the affected rows of one copy, not their sum).
         */
        BROADCAST_WRITE,
        /** Not executed: answer with {@link Refusal}. */
        REFUSED
    }

    /** The error a refused statement gets: a MySQL error code, SQLSTATE and message. */
    public record Refusal(int code, String sqlState, String message) {
        public static final int ER_NOT_SUPPORTED_YET = 1235;

        public static Refusal notSupported(String message) {
            return new Refusal(ER_NOT_SUPPORTED_YET, "42000", message);
        }
    }

    /** A plan that changes nothing (or whose effect is not known to be a write). */
    public RoutePlan(Kind kind, List<RouteTarget> targets, String reason, Refusal refusal, MergeSpec merge) {
        this(kind, targets, reason, refusal, merge, false);
    }

    public RoutePlan {
        Objects.requireNonNull(kind, "kind");
        targets = List.copyOf(targets);
        if (kind == Kind.REFUSED) {
            if (!targets.isEmpty()) throw new IllegalArgumentException("a refused plan has no targets");
            Objects.requireNonNull(refusal, "refusal");
        } else {
            if (targets.isEmpty()) throw new IllegalArgumentException("a plan needs at least one target");
            if (refusal != null) throw new IllegalArgumentException("only a refused plan has a refusal");
        }
        if (merge != null && kind != Kind.SCATTER_READ) throw new IllegalArgumentException("only a scatter read has a merge");
    }

    /** A plan without shard details: PASSTHROUGH when it is one unchanged target, SINGLE for one, else SCATTER_READ. */
    public RoutePlan(List<RouteTarget> targets, String reason) {
        this(targets.size() == 1 ? (targets.get(0).unchanged() ? Kind.PASSTHROUGH : Kind.SINGLE) : Kind.SCATTER_READ,
                targets, reason, null, null);
    }

    public static RoutePlan single(String group, Role role, String reason) {
        return new RoutePlan(List.of(new RouteTarget(group, role, null)), reason);
    }

    public static RoutePlan refused(Refusal refusal, String reason) {
        return new RoutePlan(Kind.REFUSED, List.of(), reason, refusal, null);
    }

    public boolean singleTarget() {
        return targets.size() == 1;
    }

    public boolean refused() {
        return kind == Kind.REFUSED;
    }

    /**
     * This plan with its targets sent to the role given (a read replicas may answer), and {@code writes} set
     * as given.
     */
    public RoutePlan with(Role role, boolean writes) {
        List<RouteTarget> t = targets;
        if (targets.stream().anyMatch(x -> x.role() != role)) {
            t = targets.stream().map(x -> new RouteTarget(x.group(), role, x.sql(), x.shard(), x.database())).toList();
        }
        return new RoutePlan(kind, t, reason, refusal, merge, writes);
    }

    /**
     * Human-readable form, one line per target (group, then shard and database when known, role, SQL), then the
     * merge steps and the reason; what an EXPLAIN-style admin statement prints. A PASSTHROUGH plan prints no kind
     * line (the format from before sharding).
     */
    public String explain() {
        StringBuilder sb = new StringBuilder();
        if (kind != Kind.PASSTHROUGH) sb.append("kind: ").append(kind).append('\n');
        if (refusal != null) {
            sb.append("refused: ").append(refusal.code()).append(" (").append(refusal.sqlState()).append(") ")
              .append(refusal.message()).append('\n');
        }
        for (RouteTarget t : targets) {
            sb.append(t.group());
            if (t.shard() != null) sb.append('/').append(t.shard());
            if (t.database() != null) sb.append(" db=").append(t.database());
            sb.append(' ').append(t.role().name().toLowerCase())
              .append(": ").append(t.unchanged() ? "<statement unchanged>" : t.sql()).append('\n');
        }
        if (merge != null) sb.append(merge.explain());
        sb.append("reason: ").append(reason);
        return sb.toString();
    }
}

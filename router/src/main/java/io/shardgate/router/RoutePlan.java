package io.shardgate.router;

import java.util.List;

/**
 * What to do with one statement: where it goes and why. Pure data, printable, produced by a {@link Router}
 * and carried out by the proxy's executor; the seam between planning and I/O.
 */
public record RoutePlan(List<RouteTarget> targets, String reason) {

    public RoutePlan {
        targets = List.copyOf(targets);
        if (targets.isEmpty()) throw new IllegalArgumentException("a plan needs at least one target");
    }

    public static RoutePlan single(String group, Role role, String reason) {
        return new RoutePlan(List.of(new RouteTarget(group, role, null)), reason);
    }

    public boolean singleTarget() {
        return targets.size() == 1;
    }

    /** Human-readable form, one line per target; what an EXPLAIN-style admin statement prints. */
    public String explain() {
        StringBuilder sb = new StringBuilder();
        for (RouteTarget t : targets) {
            sb.append(t.group()).append(' ').append(t.role().name().toLowerCase())
              .append(": ").append(t.unchanged() ? "<statement unchanged>" : t.sql()).append('\n');
        }
        sb.append("reason: ").append(reason);
        return sb.toString();
    }
}

package io.shardgate.rules;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Turns "which shard indexes were hit" into the ordered, unmodifiable set {@link ShardingAlgorithm#shardsFor} returns. */
final class ShardSets {
    private ShardSets() {}

    static Set<String> of(List<String> names, boolean[] hit) {
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < hit.length; i++) {
            if (hit[i]) out.add(names.get(i));
        }
        return Collections.unmodifiableSet(out);
    }

    static Set<String> all(List<String> names) {
        return Collections.unmodifiableSet(new LinkedHashSet<>(names));
    }

    /** An immutable copy of {@code names}; refuses a list that repeats a name. */
    static List<String> distinct(List<String> names, String what) {
        if (new LinkedHashSet<>(names).size() != names.size()) {
            throw new IllegalArgumentException(what + " lists a shard twice: " + names);
        }
        return List.copyOf(names);
    }
}

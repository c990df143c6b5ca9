package io.shardgate.router.analysis;

import org.junit.jupiter.params.provider.Arguments;

import java.util.Map;
import java.util.Set;

/** The shard map description used by the tests. */
final class Fixtures {
    private Fixtures() { }

    /** user, orders, t sharded by uid; acct by account_id; region and country broadcast; anything else unsharded. */
    static final KeyColumns KEYS = KeyColumns.of(
            Map.of("user", "uid", "orders", "uid", "t", "uid", "acct", "account_id"),
            Set.of("region", "country"));

    static final StatementAnalyzer ANALYZER = new StatementAnalyzer(KEYS);

    static StatementFacts analyze(String sql) {
        StatementFacts f = ANALYZER.analyze(sql);
        if (f.error() != null && f.error().startsWith("analysis failed")) throw new AssertionError(f.error() + " for " + sql);
        return f;
    }

    /** The first table reference whose label (alias, else name) is {@code label}, case-insensitively. */
    static TableRef table(StatementFacts f, String label) {
        return f.tables().stream().filter(t -> t.label().equalsIgnoreCase(label)).findFirst()
                .orElseThrow(() -> new AssertionError("no table " + label + " in " + f));
    }

    static Arguments row(Object... values) {
        return Arguments.of(values);
    }
}

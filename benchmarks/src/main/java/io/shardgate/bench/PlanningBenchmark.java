package io.shardgate.bench;

import io.shardgate.router.RoutePlan;
import io.shardgate.router.ShardingRouter;
import io.shardgate.rules.ShardMap;
import io.shardgate.rules.yaml.YamlNode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Planning cost: {@link ShardingRouter#plan} (a cache hit) and {@link ShardingRouter#planUncached} (parse,
 * analysis, routing, rewriting) for the statement shapes the sharding issue names, against the shipped
 * conf/sharding.yaml. Targets: cached point select under 5 µs, uncached under 50 µs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PlanningBenchmark {

    @Param({"point-select", "multi-row-insert", "scatter-order-limit"})
    public String statement;

    private ShardingRouter router;
    private String sql;

    @Setup
    public void setUp() throws IOException {
        String yaml;
        try (InputStream in = PlanningBenchmark.class.getResourceAsStream("/sharding.yaml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        router = new ShardingRouter(ShardMap.fromYaml(YamlNode.parse("conf/sharding.yaml", yaml), 1));
        sql = switch (statement) {
            case "point-select" -> "SELECT uid, name FROM user WHERE uid = 1234567";
            case "multi-row-insert" -> insert(10);
            case "scatter-order-limit" -> "SELECT uid, name FROM user WHERE uid BETWEEN 5000000 AND 15000000 ORDER BY uid DESC LIMIT 20, 10";
            default -> throw new IllegalArgumentException(statement);
        };
        RoutePlan plan = router.plan(sql);
        if (plan.refused()) throw new IllegalStateException("the benchmark statement is refused: " + plan.explain());
    }

    private static String insert(int rows) {
        StringBuilder sb = new StringBuilder("INSERT INTO user (uid, name) VALUES ");
        for (int i = 0; i < rows; i++) {
            if (i > 0) sb.append(", ");
            sb.append('(').append(i * 2_000_003L).append(", 'name-").append(i).append("')");
        }
        return sb.toString();
    }

    @Benchmark
    public RoutePlan cached() {
        return router.plan(sql);
    }

    @Benchmark
    public RoutePlan uncached() {
        return router.planUncached(sql);
    }
}

package io.shardgate.router;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Prints the average time of {@link ShardingRouter#plan} (cached: a Caffeine hit) and of
 * {@link ShardingRouter#planUncached} (analysis and routing) on typical statements, with the {@link TestMap} map.
 * Not a test: nothing is asserted. Run after {@code mvn -o -q install -pl router}:
 * <pre>
 * cd router && mvn -o -q dependency:build-classpath -Dmdep.outputFile=/tmp/cp && \
 *     java -cp target/test-classes:target/classes:$(cat /tmp/cp) io.shardgate.router.RouterTiming
 * </pre>
 */
public final class RouterTiming {

    private static volatile Object sink;

    public static void main(String[] args) {
        int warmup = 20_000, iterations = 50_000;
        StringBuilder insert = new StringBuilder("INSERT INTO user (uid, name, qty, note) VALUES ");
        for (int i = 0; i < 10; i++) {
            insert.append(i == 0 ? "" : ", ").append('(').append(i * 400).append(", 'name-").append(i).append("', ")
                  .append(i + 1).append(", 'n')");
        }
        Map<String, String> sqls = new LinkedHashMap<>();
        sqls.put("point select", "SELECT name, email FROM user WHERE uid = 1234");
        sqls.put("10-row insert", insert.toString());
        sqls.put("scatter select", "SELECT o.uid, o.item, o.created FROM orders o WHERE o.created > '2024-01-01' AND o.qty > 2 "
                + "ORDER BY o.created DESC, o.uid LIMIT 20, 10");
        ShardingRouter router = new ShardingRouter(TestMap.MAP);
        System.out.printf("%-16s %12s %14s  %s%n", "statement", "cached µs", "uncached µs", "plan");
        for (int round = 0; round < 3; round++) {
            for (Map.Entry<String, String> e : sqls.entrySet()) {
                String sql = e.getValue();
                for (int i = 0; i < warmup; i++) {
                    sink = router.plan(sql);
                    sink = router.planUncached(sql);
                }
                long t0 = System.nanoTime();
                for (int i = 0; i < iterations; i++) sink = router.plan(sql);
                long t1 = System.nanoTime();
                for (int i = 0; i < iterations; i++) sink = router.planUncached(sql);
                long t2 = System.nanoTime();
                RoutePlan p = router.plan(sql);
                System.out.printf("%-16s %12.3f %14.2f  %s, %d targets%n", e.getKey(), (t1 - t0) / 1e3 / iterations,
                        (t2 - t1) / 1e3 / iterations, p.kind(), p.targets().size());
            }
        }
    }
}

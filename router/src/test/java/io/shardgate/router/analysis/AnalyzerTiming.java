package io.shardgate.router.analysis;

import com.alibaba.druid.sql.dialect.mysql.parser.MySqlStatementParser;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Prints the average time of {@link StatementAnalyzer#analyze} (and, for comparison, of Druid's parse alone) on
 * typical statements. Not a test: no timing is asserted. Run after {@code mvn -o -q test -pl router}:
 * <pre>
 * cd router && java -cp target/test-classes:target/classes:$HOME/.m2/repository/com/alibaba/druid/1.2.28/druid-1.2.28.jar \
 *     io.shardgate.router.analysis.AnalyzerTiming
 * </pre>
 */
public final class AnalyzerTiming {

    private static volatile Object sink;

    public static void main(String[] args) {
        int warmup = 20_000, iterations = 20_000;
        StringBuilder insert = new StringBuilder("INSERT INTO orders (uid, item, qty, note) VALUES ");
        for (int i = 0; i < 10; i++) insert.append(i == 0 ? "" : ", ").append('(').append(1000 + i).append(", 'item-").append(i).append("', ").append(i + 1).append(", 'n')");
        Map<String, String> sqls = new LinkedHashMap<>();
        sqls.put("point select", "SELECT name, email FROM user WHERE uid = ?");
        sqls.put("10-row insert", insert.toString());
        sqls.put("scatter select", "SELECT o.uid, o.item, o.created FROM orders o WHERE o.created > '2024-01-01' AND o.qty > 2 "
                + "ORDER BY o.created DESC, o.uid LIMIT 20, 10");
        sqls.put("join + aggregate", "SELECT u.name, COUNT(*) AS n, SUM(o.qty) FROM user u JOIN orders o ON o.uid = u.uid "
                + "WHERE u.uid IN (?, ?, ?) GROUP BY u.name ORDER BY n DESC LIMIT 10");
        StatementAnalyzer analyzer = new StatementAnalyzer(Fixtures.KEYS);
        System.out.printf("%-18s %12s %15s %12s  %s%n", "statement", "analyze µs", "no positions µs", "parse µs", "facts");
        for (int round = 0; round < 3; round++) {
            for (Map.Entry<String, String> e : sqls.entrySet()) {
                String sql = e.getValue();
                for (int i = 0; i < warmup; i++) {
                    sink = analyzer.analyze(sql);
                    sink = analyzer.analyze(sql, false);
                    sink = new MySqlStatementParser(sql).parseStatementList();
                }
                long t0 = System.nanoTime();
                for (int i = 0; i < iterations; i++) sink = analyzer.analyze(sql);
                long t1 = System.nanoTime();
                for (int i = 0; i < iterations; i++) sink = new MySqlStatementParser(sql).parseStatementList();
                long t2 = System.nanoTime();
                for (int i = 0; i < iterations; i++) sink = analyzer.analyze(sql, false);
                long t3 = System.nanoTime();
                if (round == 2) {
                    System.out.printf("%-18s %12.2f %15.2f %12.2f  %s%n", e.getKey(), (t1 - t0) / 1000.0 / iterations,
                            (t3 - t2) / 1000.0 / iterations, (t2 - t1) / 1000.0 / iterations, analyzer.analyze(sql));
                }
            }
        }
    }
}

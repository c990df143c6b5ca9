package io.shardgate.router.analysis;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Mutated statements: analyze() never throws, and a parse tree it accepts never breaks the analysis. */
class RobustnessTest {

    private static final List<String> CORPUS = List.of(
            "select u.name, count(*) n from user u join orders o on o.uid = u.uid where u.uid in (1, ?) group by u.name order by n desc limit 5",
            "insert into orders (uid, item) values (1, 'a'), (?, 'b') on duplicate key update item = values(item)",
            "update t set a = a + 1, uid = 3 where uid between 1 and 10 and not (b = 2) limit 3",
            "delete a from t a join orders b using (uid) where a.uid = 7 or b.x > 3",
            "with c as (select * from t where uid = 1) select * from c where exists (select 1 from orders o where o.uid = c.uid)",
            "select * from db.t where t.uid = 5 union all select * from orders where uid > ? for update",
            "/*+ shardgate:master */ select /*!50000 sql_no_cache */ `a``b`, 'x''y' from `t` as `q` where q.uid = -3 # c\n",
            "create table t2 like t; drop table if exists t, orders; rename table t to t3",
            "select * from t where (uid, a) in ((1, 2), (3, 4)) and uid = (select max(uid) from orders) lock in share mode",
            "replace into t set uid = 4, name = 'x'; set @x := 1; select @x, get_lock('l', 1)");

    private static final List<String> SNIPPETS = List.of("select", "from", "t", "where", "uid", "=", "?", "(", ")", ",", ".",
            "'", "`", "/*", "*/", "--", "#", "and", "or", "not", "in", "between", "join", "on", "using", ";", "1", "-",
            "*", "user", "as", "limit", "union", "@x", ":=", "/*!", "\n", "values", "set", "into", "delete", "update");

    record Mutation(int kind, int at, int length, String snippet) { }

    @Provide
    Arbitrary<String> mutated() {
        Arbitrary<Mutation> m = Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 400),
                Arbitraries.integers().between(1, 12), Arbitraries.of(SNIPPETS)).as(Mutation::new);
        return Combinators.combine(Arbitraries.of(CORPUS), m.list().ofMinSize(1).ofMaxSize(4)).as((sql, ms) -> {
            StringBuilder sb = new StringBuilder(sql);
            for (Mutation x : ms) {
                int at = Math.min(x.at(), sb.length());
                int end = Math.min(sb.length(), at + x.length());
                switch (x.kind()) {
                    case 0 -> sb.delete(at, end);
                    case 1 -> sb.insert(at, " " + x.snippet() + " ");
                    case 2 -> sb.replace(at, end, x.snippet());
                    default -> sb.insert(at, sb.substring(at, end));
                }
            }
            return sb.toString();
        });
    }

    @Property(tries = 1500)
    void neverThrowsAndNeverFailsOnAcceptedInput(@ForAll("mutated") String sql) {
        StatementFacts f = Fixtures.ANALYZER.analyze(sql);
        assertThat(f).isNotNull();
        if (f.error() != null) assertThat(f.error()).as(sql).doesNotStartWith("analysis failed");
        if (f.positionsResolved()) {
            // spans name the tables they claim to, and the splice is well-formed
            for (TableRef t : f.tables()) {
                String written = t.span().of(sql).replace("`", "").replaceAll("\\s", "");
                assertThat(written.toLowerCase()).as(sql).endsWith(t.name().replace("`", "").replaceAll("\\s", "").toLowerCase());
            }
            f.rewriteTables(sql, t -> "x");
        }
        assertThat(f.toString()).isNotEmpty();
    }
}

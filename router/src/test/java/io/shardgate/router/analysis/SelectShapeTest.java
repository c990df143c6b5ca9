package io.shardgate.router.analysis;

import io.shardgate.router.analysis.SelectShape.Aggregate;
import io.shardgate.router.analysis.SelectShape.LockMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static io.shardgate.router.analysis.Fixtures.analyze;
import static io.shardgate.router.analysis.Fixtures.row;
import static org.assertj.core.api.Assertions.assertThat;

class SelectShapeTest {

    private static SelectShape shape(String sql) {
        StatementFacts f = analyze(sql);
        assertThat(f.select()).as(f.toString()).isNotNull();
        return f.select();
    }

    /** Whole shapes in printed form: a compact, readable table. */
    static Stream<Arguments> shapes() {
        return Stream.of(
                row("select * from t", "select{[*]}"),
                row("select a, b as bee, t.* from t", "select{[a, b AS bee, t.*]}"),
                row("select count(*) from t", "select{[count(*) <COUNT>]}"),
                row("select count(distinct a) n, sum(b), min(c), max(d), avg(e) from t",
                        "select{[count(DISTINCT a) AS n <COUNT DISTINCT>, sum(b) <SUM>, min(c) <MIN>, max(d) <MAX>, avg(e) <AVG>]}"),
                row("select group_concat(a), std(b) from t", "select{[group_concat(a) <OTHER>, std(b) <OTHER>]}"),
                row("select sum(a) / count(b) from t", "select{[sum(a) / count(b) <nested-aggregate>]}"),
                row("select a from t order by a collate utf8mb4_bin desc", "select{[a] order=[a COLLATE utf8mb4_bin DESC#0]}"),
                row("(select a from t limit 1)", "select{[a] limit 1}"),
                row("select coalesce(max(a), 0) m from t", "select{[coalesce(max(a), 0) AS m <nested-aggregate>]}"),
                row("select a, count(*) from t group by a", "select{[a, count(*) <COUNT>] group=[a#0]}"),
                row("select a, b, count(*) from t group by 2, a with rollup having count(*) > 1",
                        "select{[a, b, count(*) <COUNT>] group=[2#1, a#0] rollup having}"),
                row("select a x from t group by x, c", "select{[a AS x] group=[x#0, c]}"),
                row("select a, b from t order by a, b desc", "select{[a, b] order=[a#0, b DESC#1]}"),
                row("select a, b from t order by 2 desc, t.a asc", "select{[a, b] order=[2 DESC#1, t.a]}"),
                row("select t.a, b + 1 as c from t order by a, c, b + 1", "select{[t.a, b + 1 AS c] order=[a#0, c#1, b + 1#1]}"),
                row("select *, a from t order by 2", "select{[*, a] order=[2]}"),
                row("select a from t order by z", "select{[a] order=[z]}"),
                row("select a from t limit 10", "select{[a] limit 10}"),
                row("select a from t limit 5, 10", "select{[a] limit 5,10}"),
                row("select a from t limit 10 offset 5", "select{[a] limit 5,10}"),
                row("select a from t limit ?, ?", "select{[a] limit ?0,?1}"),
                row("select a from t where uid = ? limit ?", "select{[a] limit ?1}"),
                row("select distinct a from t", "select{DISTINCT [a]}"),
                row("select distinctrow a from t", "select{DISTINCT [a]}"),
                row("select * from t where uid = 1 for update", "select{[*] for-update}"),
                row("select * from t for update nowait", "select{[*] for-update}"),
                row("select * from t for share", "select{[*] for-share}"),
                row("select * from t lock in share mode", "select{[*] for-share}"),
                row("select sql_calc_found_rows * from t limit 1", "select{[*] limit 1 calc-found-rows}"),
                row("select a from t union select a from orders", "select{[a] union}"),
                row("select a from t union all select a from orders order by a desc limit 3", "select{[a] order=[a DESC#0] limit 3 union}"),
                row("(select a from t order by a limit 1) order by a desc limit 2", "select{[a] order=[a DESC#0] limit 2 nested-order-limit}"),
                row("select 1", "select{[1]}"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("shapes")
    void shape(String sql, String expected) {
        assertThat(shape(sql)).hasToString(expected);
    }

    @Test
    void scatterSelectWithOrderAndLimit() {
        SelectShape s = shape("SELECT u.name, COUNT(*) AS n, SUM(o.amount) total FROM user u JOIN orders o ON o.uid = u.uid "
                + "GROUP BY u.name ORDER BY n DESC, u.name LIMIT 20, 10");
        assertThat(s.items()).hasSize(3);
        assertThat(s.items().get(1).aggregate()).isEqualTo(Aggregate.COUNT);
        assertThat(s.items().get(1).alias()).isEqualTo("n");
        assertThat(s.items().get(2).aggregate()).isEqualTo(Aggregate.SUM);
        assertThat(s.items().get(2).alias()).isEqualTo("total");
        assertThat(s.aggregates()).isTrue();
        assertThat(s.groupBy()).extracting(SelectShape.GroupItem::selectIndex).containsExactly(0);
        assertThat(s.orderBy()).extracting(SelectShape.OrderItem::descending).containsExactly(true, false);
        assertThat(s.orderBy()).extracting(SelectShape.OrderItem::selectIndex).containsExactly(1, 0);
        assertThat(s.limit().offset()).isEqualTo(Operand.lit(20));
        assertThat(s.limit().count()).isEqualTo(Operand.lit(10));
        assertThat(s.limit().understood()).isTrue();
        assertThat(s.lock()).isEqualTo(LockMode.NONE);
        assertThat(s.union()).isFalse();
    }

    @Test
    void limitFormsAreEquivalent() {
        assertThat(shape("select * from t limit 3, 7").limit()).isEqualTo(shape("select * from t limit 7 offset 3").limit());
        assertThat(shape("select * from t limit 7").limit().offset()).isNull();
        assertThat(shape("select * from t").limit()).isNull();
    }

    @Test
    void aggregateFlags() {
        SelectShape s = shape("select count(distinct a), count(a), max(b) over (partition by c) from t");
        assertThat(s.items().get(0).aggregateDistinct()).isTrue();
        assertThat(s.items().get(1).aggregateDistinct()).isFalse();
        assertThat(s.items().get(2).aggregate()).isEqualTo(Aggregate.OTHER); // a window function
        assertThat(shape("select a, b from t").aggregates()).isFalse();
        assertThat(shape("select (select count(*) from orders) from t").items().get(0).containsAggregate()).isFalse();
    }

    /** Druid 1.2.28 needs commons-lang3 for {@code SELECT a x}; without it the analyzer re-parses with AS. */
    @Test
    void bareColumnAliases() {
        assertThat(shape("select a x, t.b `y`, c from t order by x")).hasToString("select{[a AS x, t.b AS y, c] order=[x#0]}");
        StatementFacts f = analyze("select a x from t where uid = 1 and b in (select c cc from orders where uid = 2)");
        assertThat(f.kind()).isEqualTo(StatementKind.SELECT);
        assertThat(Fixtures.table(f, "t").condition()).hasToString("=1");
        assertThat(Fixtures.table(f, "orders").condition()).hasToString("=2");
        assertThat(f.rewriteTables("select a x from t where uid = 1 and b in (select c cc from orders where uid = 2)", t -> "p" + t.index()))
                .isEqualTo("select a x from p0 where uid = 1 and b in (select c cc from p1 where uid = 2)");
    }

    @Test
    void starItems() {
        SelectShape s = shape("select *, t.*, db.t.*, a from db.t");
        assertThat(s.items()).extracting(SelectShape.Item::star).containsExactly(true, true, true, false);
    }

    static Stream<Arguments> subqueryPlaces() {
        return Stream.of(
                row("select (select 1 from orders) from t", "[SELECT_LIST]"),
                row("select * from (select * from t) x", "[FROM]"),
                row("select * from t where a in (select a from orders)", "[WHERE]"),
                row("select * from t where exists (select 1 from orders where orders.uid = t.uid)", "[WHERE]"),
                row("select * from t join orders o on o.a = (select max(a) from plain)", "[JOIN_ON]"),
                row("select a from t group by a having count(*) > (select 1)", "[HAVING]"),
                row("select a from t order by (select 1)", "[ORDER_BY]"),
                row("with c as (select * from t) select * from c", "[WITH]"),
                row("select * from t where a = 1", "[]"),
                row("select * from (select * from (select * from t where a in (select 1)) y) x", "[FROM]"));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @MethodSource("subqueryPlaces")
    void subqueries(String sql, String places) {
        assertThat(new java.util.TreeSet<>(analyze(sql).subqueries())).hasToString(places);
    }

    @Test
    void tableBlocks() {
        StatementFacts f = analyze("select * from t where a in (select a from orders where uid = 1)");
        assertThat(Fixtures.table(f, "t").block()).isZero();
        assertThat(Fixtures.table(f, "orders").block()).isPositive();
        StatementFacts cte = analyze("with c as (select * from orders) select * from t join c");
        assertThat(Fixtures.table(cte, "t").block()).isZero();
        assertThat(cte.tables()).extracting(TableRef::name).containsExactly("t", "orders"); // c is not a table
    }
}

package io.shardgate.router.analysis;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static io.shardgate.router.analysis.Fixtures.analyze;
import static io.shardgate.router.analysis.Fixtures.row;
import static io.shardgate.router.analysis.Fixtures.table;
import static org.assertj.core.api.Assertions.assertThat;

/** WHERE / JOIN ON -> key condition of one table reference (printed form of {@link KeyCondition}). */
class ConditionExtractionTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                // = and IN, literals and placeholders
                row("select * from t where uid = 5", "t", "=5"),
                row("select * from t where 5 = uid", "t", "=5"),
                row("select * from t where uid <=> 5", "t", "=5"),
                row("select * from t where uid = -5", "t", "=-5"),
                row("select * from t where uid = - 5", "t", "=-5"),
                row("select * from t where uid = +5", "t", "=5"),
                row("select * from t where uid = ?", "t", "=?0"),
                row("select * from t where a = ? and uid = ?", "t", "=?1"),
                row("select * from t where uid in (3, 1, 2, 1)", "t", "in(1,2,3)"),
                row("select * from t where uid in (1, ?, ?)", "t", "in(1,?0,?1)"),
                row("select * from t where uid in (7)", "t", "=7"),
                row("select * from t where uid = 9223372036854775807", "t", "=9223372036854775807"),
                row("select * from t where uid = -9223372036854775808", "t", "=-9223372036854775808"),
                // ranges
                row("select * from t where uid > 5", "t", "[6,+inf)"),
                row("select * from t where uid >= 5", "t", "[5,+inf)"),
                row("select * from t where uid < 5", "t", "(-inf,4]"),
                row("select * from t where uid <= 5", "t", "(-inf,5]"),
                row("select * from t where 5 < uid", "t", "[6,+inf)"),
                row("select * from t where 5 >= uid", "t", "(-inf,5]"),
                row("select * from t where uid between 10 and 20", "t", "[10,20]"),
                row("select * from t where uid between 20 and 10", "t", "none"),
                row("select * from t where uid between ? and ?", "t", "[?0,?1]"),
                row("select * from t where uid between 1 and ?", "t", "[1,?0]"),
                row("select * from t where uid > ?", "t", "(?0,+inf)"),
                row("select * from t where uid <= ?", "t", "(-inf,?0]"),
                row("select * from t where uid > 9223372036854775807", "t", "none"),
                // AND: intersection
                row("select * from t where uid > 5 and uid < 10", "t", "[6,9]"),
                row("select * from t where uid >= 5 and uid <= 5", "t", "=5"),
                row("select * from t where uid between 1 and 10 and uid in (0, 5, 11)", "t", "=5"),
                row("select * from t where uid in (1,2,3) and uid in (2,3,4)", "t", "in(2,3)"),
                row("select * from t where uid = 1 and uid = 2", "t", "none"),
                row("select * from t where uid = 1 and a = 2", "t", "=1"),
                row("select * from t where a = 2 and uid = 1 and b like 'x%'", "t", "=1"),
                row("select * from t where uid = ? and uid = 5", "t", "and(=5, =?0)"),
                row("select * from t where uid in (1, 2) and uid > ?", "t", "and(in(1,2), (?0,+inf))"),
                // OR: union
                row("select * from t where uid = 1 or uid = 2", "t", "in(1,2)"),
                row("select * from t where uid = 1 or uid in (2, 3) or uid = ?", "t", "in(1,2,3,?0)"),
                row("select * from t where uid < 0 or uid > 100", "t", "or((-inf,-1], [101,+inf))"),
                row("select * from t where uid between 1 and 5 or uid between 4 and 9", "t", "[1,9]"),
                row("select * from t where uid between 1 and 5 or uid between 6 and 9", "t", "[1,9]"),
                row("select * from t where uid between 1 and 5 or uid = 3", "t", "[1,5]"),
                row("select * from t where uid = 1 or a = 2", "t", "any"),
                row("select * from t where a = 2 or uid = 1", "t", "any"),
                row("select * from t where uid = 1 or uid = 2 and a = 3", "t", "in(1,2)"),
                row("select * from t where (uid = 1 or uid = 2) and (uid = 2 or uid = 3)", "t", "=2"),
                row("select * from t where (uid = 1 or a = 1) and uid in (1, 2)", "t", "in(1,2)"),
                row("select * from t where uid = 1 and (uid = 2 or uid = 1)", "t", "=1"),
                row("select * from t where ((uid = 4))", "t", "=4"),
                row("select * from t where uid between 1 and 10 and (uid = 0 or uid <= 5)", "t", "[1,5]"),
                row("select * from t where (uid < 3 or uid > 7) and (uid = 1 or uid = 5 or uid = 9)", "t", "in(1,9)"),
                row("select * from t where (a = 1 and (uid = 4 or (uid = 5)))", "t", "in(4,5)"),
                // NOT and friends never narrow
                row("select * from t where not uid = 1", "t", "any"),
                row("select * from t where not (uid = 1)", "t", "any"),
                row("select * from t where !(uid = 1)", "t", "any"),
                row("select * from t where uid <> 1", "t", "any"),
                row("select * from t where uid != 1", "t", "any"),
                row("select * from t where uid not in (1, 2)", "t", "any"),
                row("select * from t where uid not between 1 and 2", "t", "any"),
                row("select * from t where not (uid = 1 and uid = 2)", "t", "any"),
                row("select * from t where uid is null", "t", "any"),
                row("select * from t where uid is not null", "t", "any"),
                row("select * from t where uid = 1 xor uid = 2", "t", "any"),
                // functions of the key, other columns, non-integer literals
                row("select * from t where abs(uid) = 5", "t", "any"),
                row("select * from t where uid + 0 = 5", "t", "any"),
                row("select * from t where uid = abs(5)", "t", "any"),
                row("select * from t where uid = 1 + 1", "t", "any"),
                row("select * from t where uid = other_col", "t", "any"),
                row("select * from t where uid = '5'", "t", "any"),
                row("select * from t where uid = 5.0", "t", "any"),
                row("select * from t where uid = 0x10", "t", "any"),
                row("select * from t where uid = null", "t", "any"),
                row("select * from t where uid = @v", "t", "any"),
                row("select * from t where uid in (1, 'a')", "t", "any"),
                row("select * from t where uid in (1, a)", "t", "any"),
                row("select * from t where uid = 99999999999999999999", "t", "any"),
                row("select * from t where uid in (select uid from orders)", "t", "any"),
                row("select * from t where uid = (select max(uid) from orders)", "t", "any"),
                row("select * from t where uid like '5'", "t", "any"),
                row("select * from t where a = 5", "t", "any"),
                row("select * from t", "t", "any"),
                row("select * from t where uid", "t", "any"),
                // row constructors
                row("select * from t where (uid, a) in ((1, 'x'), (2, 'y'))", "t", "in(1,2)"),
                row("select * from t where (a, uid) in ((1, ?), (2, 3))", "t", "in(3,?0)"),
                row("select * from t where (a, b) in ((1, 2))", "t", "any"),
                // qualified references, aliases, schema, backticks, case
                row("select * from t x where x.uid = 5", "x", "=5"),
                row("select * from t as x where x.`uid` = 5", "x", "=5"),
                row("select * from `t` where `t`.`uid` in (1,2)", "t", "in(1,2)"),
                row("select * from db.t where db.t.uid = 8", "t", "=8"),
                row("select * from db.t where t.uid = 8", "t", "=8"),
                row("select * from T where UID = 8", "T", "=8"),
                row("select * from t X where x.Uid = 8", "X", "=8"),
                row("select * from t x where t.uid = 5", "x", "any"), // once aliased, t.uid is not this table's
                row("select * from t x where y.uid = 5", "x", "any"),
                row("select * from acct where account_id = 3 and uid = 4", "acct", "=3"),
                // joins: key on both sides, ON conditions, outer joins
                row("select * from t a join orders b on a.uid = b.uid where a.uid = 1", "a", "=1"),
                row("select * from t a join orders b on a.uid = b.uid where a.uid = 1", "b", "any"),
                row("select * from t a join orders b on a.uid = b.uid where a.uid = 1 and b.uid = 1", "b", "=1"),
                row("select * from t a join orders b on a.uid = b.uid and b.uid = 2", "b", "=2"),
                row("select * from t a, orders b where a.uid = 3 and b.uid = 4", "a", "=3"),
                row("select * from t a, orders b where a.uid = 3 and b.uid = 4", "b", "=4"),
                row("select * from t a join orders b on a.uid = b.uid where uid = 1", "a", "any"), // ambiguous
                row("select * from t a join plain p on a.id = p.id where uid = 1", "a", "=1"),     // p is unsharded
                row("select * from t a left join orders b on b.uid = a.uid and a.uid = 5 and b.uid = 6", "a", "any"),
                row("select * from t a left join orders b on b.uid = a.uid and a.uid = 5 and b.uid = 6", "b", "=6"),
                row("select * from t a right join orders b on a.uid = 5 and b.uid = 6", "a", "=5"),
                row("select * from t a right join orders b on a.uid = 5 and b.uid = 6", "b", "any"),
                row("select * from t a left join orders b on a.x = b.x where b.uid = 7", "b", "=7"),
                row("select * from t a left join orders b on a.x = b.x where a.uid = 7", "a", "=7"),
                row("select * from t a join orders b on a.uid in (1, 2) join user c on c.uid = 3", "a", "in(1,2)"),
                row("select * from t a join orders b on a.uid in (1, 2) join user c on c.uid = 3", "c", "=3"),
                row("select * from (t a join orders b on b.uid = 4) left join user c on a.uid = 9", "b", "=4"),
                row("select * from (t a join orders b on b.uid = 4) left join user c on a.uid = 9", "a", "any"),
                row("select * from t a join t b on a.uid = b.uid where b.uid = 3 and a.uid = 4", "a", "=4"),
                row("select * from t a join t b on a.uid = b.uid where b.uid = 3 and a.uid = 4", "b", "=3"),
                // subqueries: each block has its own conditions
                row("select * from t where exists (select 1 from orders o where o.uid = t.uid) and uid = 4", "t", "=4"),
                row("select * from t where exists (select 1 from orders o where o.uid = t.uid) and uid = 4", "o", "any"),
                row("select * from t where a in (select a from orders where uid = 3)", "orders", "=3"),
                row("select * from t where a in (select a from orders where uid = 3)", "t", "any"),
                row("select * from (select * from t where uid = 1) x where x.uid = 2", "t", "=1"),
                row("select (select count(*) from orders o where o.uid = 6) from t where uid = 5", "o", "=6"),
                row("select * from t where uid = 1 union select * from orders where uid = 2", "orders", "=2"),
                row("with c as (select * from t where uid = 3) select * from c", "t", "=3"),
                // DML
                row("update t set a = 1 where uid = 3", "t", "=3"),
                row("update t set a = 1 where uid in (?, ?)", "t", "in(?0,?1)"),
                row("update t set a = ? where uid = ?", "t", "=?1"),
                row("update t a join orders b on a.uid = b.uid set b.x = 1 where a.uid = 9", "a", "=9"),
                row("delete from t where uid between 1 and 3", "t", "[1,3]"),
                row("delete a from t a join orders b on a.uid = b.uid where b.uid = 2", "b", "=2"),
                row("insert into t (uid, a) values (1, 'x'), (?, 'y'), (3, 'z')", "t", "in(1,3,?0)"),
                row("insert into t (a, uid) values ('x', 1)", "t", "=1"),
                row("insert into t (a) values ('x')", "t", "any"),
                row("insert into t values (1, 'x')", "t", "any"),
                row("insert into t (uid) values (1), (now())", "t", "any"),
                row("insert into t (uid) select uid from orders where uid = 1", "t", "any"),
                row("insert into t (uid) select uid from orders where uid = 1", "orders", "=1"),
                row("replace into t (uid) values (4)", "t", "=4"),
                row("insert into t set uid = 6, a = 'x'", "t", "=6"));
    }

    @ParameterizedTest(name = "[{index}] {0}  [{1}: {2}]")
    @MethodSource("cases")
    void condition(String sql, String label, String expected) {
        StatementFacts f = analyze(sql);
        assertThat(f.error()).as(f.toString()).isNull();
        assertThat(table(f, label).condition()).as(f.toString()).hasToString(expected);
    }

    @Test
    void unshardedAndBroadcastTablesCarryNoCondition() {
        StatementFacts f = analyze("select * from region r join plain p join t on t.uid = 1 where r.id = 1 and p.id = 2");
        assertThat(table(f, "r").type()).isEqualTo(TableType.BROADCAST);
        assertThat(table(f, "p").type()).isEqualTo(TableType.UNSHARDED);
        assertThat(table(f, "t").type()).isEqualTo(TableType.SHARDED);
        assertThat(table(f, "r").condition()).isEqualTo(KeyCondition.ANY);
        assertThat(table(f, "p").condition()).isEqualTo(KeyCondition.ANY);
        assertThat(table(f, "t").condition()).hasToString("=1");
        assertThat(table(f, "t").keyColumn()).isEqualTo("uid");
        assertThat(table(f, "p").keyColumn()).isNull();
    }

    @Test
    void joinEqualitiesBetweenKeysAreReported() {
        StatementFacts f = analyze("select * from t a join orders b on a.uid = b.uid and a.x > b.x "
                + "join plain p using (pid) where b.uid = 3 and p.k = a.k");
        assertThat(f.joins()).hasSize(2);
        Join first = f.joins().get(0);
        assertThat(first.kind()).isEqualTo(Join.Kind.INNER);
        assertThat(first.on()).extracting(Object::toString).containsExactly("a.uid=b.uid");
        assertThat(first.otherConditions()).isTrue();
        assertThat(f.joins().get(1).using()).containsExactly("pid");
        assertThat(f.equalities()).extracting(Object::toString).contains("a.uid=b.uid", "p.k=a.k");
        assertThat(f.keyEqualities()).extracting(Object::toString).containsExactly("a.uid=b.uid");
    }

    @Test
    void usingOnKeyGivesAKeyEquality() {
        StatementFacts f = analyze("select * from t left join orders using (uid) where t.uid = 1");
        assertThat(f.joins()).singleElement().satisfies(j -> {
            assertThat(j.kind()).isEqualTo(Join.Kind.LEFT);
            assertThat(j.on()).extracting(Object::toString).containsExactly("t.uid=orders.uid");
        });
        assertThat(f.keyEqualities()).hasSize(1);
    }

    @Test
    void bindingParametersFoldsTheCondition() {
        StatementFacts f = analyze("select * from t where uid in (?, ?) and uid between 1 and ?");
        KeyCondition c = table(f, "t").condition();
        assertThat(c.hasParams()).isTrue();
        assertThat(c.bind(List.of(5L, 50, 10))).hasToString("=5");
        assertThat(c.bind(List.of(5L, 7L, 6L))).hasToString("=5");
        assertThat(c.bind(List.of(50L, 70L, 6L))).hasToString("none");
        assertThat(c.bind(List.of("5", 7L, 10L))).hasToString("[1,10]"); // a string value does not restrict
    }
}

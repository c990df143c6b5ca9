package io.shardgate.router.analysis;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static io.shardgate.router.analysis.Fixtures.analyze;
import static io.shardgate.router.analysis.Fixtures.row;
import static io.shardgate.router.analysis.Fixtures.table;
import static org.assertj.core.api.Assertions.assertThat;

/** INSERT / REPLACE rows, UPDATE changing the key, DELETE targets, user variables and session functions. */
class DmlFactsTest {

    static Stream<Arguments> inserts() {
        return Stream.of(
                row("insert into t (uid, a) values (1, 'x')", "[uid, a]", 0, "[1]"),
                row("insert into t (a, uid) values ('x', 1), ('y', ?), ('z', 3)", "[a, uid]", 1, "[1, ?0, 3]"),
                row("insert into t (uid, a) values (?, ?), (?, ?)", "[uid, a]", 0, "[?0, ?2]"),
                row("insert into t (uid) values (-7), (+8)", "[uid]", 0, "[-7, 8]"),
                row("insert into t (a) values ('x'), ('y')", "[a]", -1, "[missing, missing]"),
                row("insert into t (uid, a) values (default, 1), (null, 2)", "[uid, a]", 0, "[missing, missing]"),
                row("insert into t (uid, a) values (now(), 1), (1+1, 2), ('5', 3), (1.5, 4), (@v, 5)", "[uid, a]", 0,
                        "[not-literal, not-literal, not-literal, not-literal, not-literal]"),
                row("insert into t (uid) values (99999999999999999999)", "[uid]", 0, "[not-literal]"),
                row("insert into t values (1, 'x'), (2, 'y')", "[]", -1, "[no-column-list, no-column-list]"),
                row("insert into t (`UID`, `a`) values (5, 1)", "[UID, a]", 0, "[5]"),
                row("insert into db.t (uid) values (5)", "[uid]", 0, "[5]"),
                row("insert t set uid = 5, a = 'x'", "[uid, a]", 0, "[5]"),
                row("insert ignore into t (uid) values (5)", "[uid]", 0, "[5]"),
                row("insert low_priority t (uid) values (5)", "[uid]", 0, "[5]"),
                row("replace into t (uid, a) values (1, 2), (3, 4)", "[uid, a]", 0, "[1, 3]"),
                row("replace t set uid = ?", "[uid]", 0, "[?0]"),
                row("insert into plain (uid, a) values (1, 2)", "[uid, a]", -1, "[]"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("inserts")
    void insertRows(String sql, String columns, int keyIndex, String rowKeys) {
        StatementFacts f = analyze(sql);
        InsertFacts i = f.insert();
        assertThat(i).as(f.toString()).isNotNull();
        assertThat(i.columns()).hasToString(columns);
        assertThat(i.keyColumnIndex()).isEqualTo(keyIndex);
        assertThat(i.rowKeys()).hasToString(rowKeys);
        assertThat(i.fromSelect()).isFalse();
        assertThat(f.tables().get(i.table()).written()).isTrue();
    }

    @Test
    void multiRowInsertRowKeysAreTyped() {
        StatementFacts f = analyze("insert into t (uid, a) values (10, 'a'), (?, 'b'), (now(), 'c')");
        assertThat(f.insert().rowKeys()).containsExactly(Operand.lit(10), Operand.param(0), RowKey.Unknown.NOT_LITERAL);
        assertThat(f.insert().allKeysKnown()).isFalse();
        assertThat(analyze("insert into t (uid) values (1), (?)").insert().allKeysKnown()).isTrue();
    }

    @Test
    void tenRowInsert() {
        StringBuilder sb = new StringBuilder("insert into orders (uid, item, qty) values ");
        for (int i = 0; i < 10; i++) sb.append(i == 0 ? "" : ", ").append("(").append(100 + i).append(", 'item").append(i).append("', ").append(i).append(")");
        StatementFacts f = analyze(sb.toString());
        assertThat(f.insert().rowKeys()).hasSize(10).allMatch(k -> k instanceof Operand.Lit);
        assertThat(table(f, "orders").condition()).hasToString("in(100,101,102,103,104,105,106,107,108,109)");
    }

    @Test
    void insertSelectIsFlagged() {
        StatementFacts f = analyze("insert into t (uid, a) select uid, a from orders where uid = 3");
        assertThat(f.insert().fromSelect()).isTrue();
        assertThat(f.insert().rowKeys()).isEmpty();
        assertThat(f.insert().allKeysKnown()).isFalse();
        assertThat(table(f, "t").condition()).isEqualTo(KeyCondition.ANY);
        assertThat(table(f, "orders").written()).isFalse();
        assertThat(f.subqueries()).containsExactly(Clause.SOURCE);
    }

    @Test
    void onDuplicateKeyUpdate() {
        StatementFacts plain = analyze("insert into t (uid, n) values (1, 1) on duplicate key update n = n + 1");
        assertThat(plain.insert().onDuplicateKeyUpdate()).isTrue();
        assertThat(plain.insert().duplicateUpdateSetsKey()).isFalse();
        for (String sql : new String[] {
                "insert into t (uid, n) values (1, 1) on duplicate key update uid = values(uid)",
                "insert into t (uid, n) values (1, 1) on duplicate key update n = 2, `UID` = 3",
                "insert into t (uid, n) values (1, 1) on duplicate key update t.uid = 3"}) {
            assertThat(analyze(sql).insert().duplicateUpdateSetsKey()).as(sql).isTrue();
        }
        assertThat(analyze("insert into t (uid) values (1)").insert().onDuplicateKeyUpdate()).isFalse();
    }

    static Stream<Arguments> updates() {
        return Stream.of(
                row("update t set uid = 5 where uid = 3", true),
                row("update t set a = 1, UID = 5 where uid = 3", true),
                row("update t set t.uid = uid + 1", true),
                row("update t x set x.uid = 2", true),
                row("update t set `uid` = ?", true),
                row("update t set (a, uid) = (1, 2)", true),
                row("update t set a = 1 where uid = 3", false),
                row("update t set a = uid where uid = 3", false),
                row("update plain set uid = 5", false),
                row("update t a join orders b on a.uid = b.uid set b.uid = 5", true),
                row("update t a join orders b on a.uid = b.uid set b.x = 5", false),
                row("update t a join plain p on a.id = p.id set p.uid = 5", false),
                row("update t a join plain p on a.id = p.id set uid = 5", true));
    }

    @ParameterizedTest(name = "[{index}] {0} -> updatesKey={1}")
    @MethodSource("updates")
    void updateChangingTheKey(String sql, boolean updatesKey) {
        StatementFacts f = analyze(sql);
        assertThat(f.kind()).isEqualTo(StatementKind.UPDATE);
        assertThat(f.updatesKey()).as(f.toString()).isEqualTo(updatesKey);
    }

    @Test
    void updateWrittenTablesAndLimit() {
        StatementFacts f = analyze("update t a join orders b on a.uid = b.uid set b.x = 1 where a.uid = 9 order by b.x limit 5");
        assertThat(table(f, "a").written()).isFalse();
        assertThat(table(f, "b").written()).isTrue();
        assertThat(f.dmlLimit()).hasToString("limit 5");
        assertThat(analyze("update t set a = 1 where uid = 1").tables()).singleElement().satisfies(t -> assertThat(t.written()).isTrue());
        assertThat(analyze("update t set a = (select max(x) from orders where uid = 2) where uid = 1").subqueries())
                .containsExactly(Clause.SET);
    }

    @Test
    void updateWithCte() {
        StatementFacts f = analyze("with c as (select uid from orders where uid = 2) update t join c on t.uid = c.uid set t.a = 1 where t.uid = 2");
        assertThat(f.tables()).extracting(TableRef::name).containsExactly("t", "orders"); // c is a CTE, not a table
        assertThat(table(f, "t").condition()).hasToString("=2");
        assertThat(table(f, "t").written()).isTrue();
        assertThat(table(f, "orders").condition()).hasToString("=2");
        assertThat(f.subqueries()).containsExactly(Clause.WITH);
    }

    @Test
    void deleteForms() {
        StatementFacts single = analyze("delete from t where uid = 1 limit ?");
        assertThat(table(single, "t").written()).isTrue();
        assertThat(single.dmlLimit()).hasToString("limit ?0");

        StatementFacts multi = analyze("delete a from t a join orders b on a.uid = b.uid where a.uid = 1");
        assertThat(table(multi, "a").written()).isTrue();
        assertThat(table(multi, "b").written()).isFalse();
        assertThat(table(multi, "a").condition()).hasToString("=1");

        StatementFacts using = analyze("delete from t using t join orders on t.uid = orders.uid where t.uid = 2");
        assertThat(using.tables()).extracting(TableRef::name).containsExactly("t", "orders");
        assertThat(table(using, "t").written()).isTrue();
        assertThat(table(using, "orders").written()).isFalse();
        assertThat(table(using, "t").condition()).hasToString("=2");
    }

    @Test
    void userVariablesAndSessionFunctions() {
        StatementFacts f = analyze("select @n := @n + 1, get_lock('k', 10), release_lock('k'), last_insert_id() from t");
        assertThat(f.assignsUserVariable()).isTrue();
        assertThat(f.readsUserVariable()).isTrue();
        assertThat(f.usesLockingFunction()).isTrue();
        assertThat(f.sessionFunctions()).containsExactlyInAnyOrder("GET_LOCK", "RELEASE_LOCK", "LAST_INSERT_ID");

        StatementFacts into = analyze("select a into @v from t where uid = 1");
        assertThat(into.assignsUserVariable()).isTrue();
        assertThat(into.readsUserVariable()).isFalse();

        StatementFacts set = analyze("set @a = 1, @@session.autocommit = 1");
        assertThat(set.assignsUserVariable()).isTrue();
        assertThat(set.readsUserVariable()).isFalse();

        StatementFacts read = analyze("insert into t (uid, a) values (1, @a)");
        assertThat(read.readsUserVariable()).isTrue();
        assertThat(read.assignsUserVariable()).isFalse();

        StatementFacts plain = analyze("select @@version, found_rows(), is_free_lock('x') from dual");
        assertThat(plain.readsUserVariable()).isFalse();
        assertThat(plain.usesLockingFunction()).isTrue();
        assertThat(plain.sessionFunctions()).containsExactlyInAnyOrder("FOUND_ROWS", "IS_FREE_LOCK");

        StatementFacts none = analyze("select now(), uid from t where uid = 1");
        assertThat(none.assignsUserVariable() || none.readsUserVariable() || none.usesLockingFunction()).isFalse();
        assertThat(none.sessionFunctions()).isEmpty();
    }

    @Test
    void tablesAreClassifiedAndDdlTargetsAreWritten() {
        StatementFacts f = analyze("create table t2 like t");
        assertThat(f.tables()).extracting(TableRef::name).containsExactly("t2", "t");
        assertThat(table(f, "t2").written()).isTrue();
        assertThat(table(f, "t").type()).isEqualTo(TableType.SHARDED);
        StatementFacts drop = analyze("drop table if exists t, region, plain");
        assertThat(drop.tables()).extracting(TableRef::type)
                .containsExactly(TableType.SHARDED, TableType.BROADCAST, TableType.UNSHARDED);
        assertThat(drop.tables()).allMatch(TableRef::written);
        StatementFacts rename = analyze("rename table t to t_old, db.orders to db.orders_old");
        assertThat(rename.tables()).extracting(TableRef::qualifiedName).containsExactly("t", "t_old", "db.orders", "db.orders_old");
        StatementFacts lock = analyze("lock tables t read, orders as o write");
        assertThat(lock.tables()).extracting(TableRef::label).containsExactly("t", "o");
        assertThat(analyze("select * from dual").tables()).isEmpty();
        assertThat(analyze("select 1 from dual where 1 = 1").tables()).isEmpty();
    }
}

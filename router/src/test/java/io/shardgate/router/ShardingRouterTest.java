package io.shardgate.router;

import io.shardgate.router.RoutePlan.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Stream;

import static io.shardgate.router.TestMap.ROUTER;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The routing rules, one table row per statement: expected kind and, per target, "group/shard/database: SQL".
 * The map is {@link TestMap} (user/orders range, user_ex hash mod, user_event slots, acct hash mod in another
 * order, city broadcast, everything else unlisted in s0).
 */
class ShardingRouterTest {

    static String t(String shard, String sql) {
        String group = shard.equals("s0") || shard.equals("s1") ? "g0" : "g1";
        return group + "/" + shard + "/user_db_" + shard.substring(1) + ": " + sql;
    }

    /** Targets of statements sent the same way, with `db` standing for each shard's `user_db_N`. */
    static String[] each(String sqlWithDb, String... shards) {
        String[] out = new String[shards.length];
        for (int i = 0; i < shards.length; i++) {
            out[i] = t(shards[i], sqlWithDb.replace("`db`", "`user_db_" + shards[i].substring(1) + "`"));
        }
        return out;
    }

    static List<String> describe(RoutePlan p) {
        return p.targets().stream().map(x -> x.shard() == null
                ? x.group() + ": " + (x.unchanged() ? "<unchanged>" : x.sql())
                : x.group() + "/" + x.shard() + "/" + x.database() + ": " + x.sql()).toList();
    }

    static Arguments row(String sql, Kind kind, String... targets) {
        return Arguments.of(sql, kind, List.of(targets));
    }

    static final String[] ALL = {"s0", "s1", "s2", "s3"};

    static Stream<Arguments> routed() {
        return Stream.of(
                // ---- key conditions on a range table
                row("SELECT * FROM user WHERE uid = 5", Kind.SINGLE, t("s0", "SELECT * FROM `user_db_0`.`user` WHERE uid = 5")),
                row("SELECT * FROM user WHERE uid = 2500", Kind.SINGLE, t("s2", "SELECT * FROM `user_db_2`.`user` WHERE uid = 2500")),
                row("SELECT name FROM user WHERE uid IN (5, 1500, 2500)", Kind.SCATTER_READ,
                        each("SELECT name FROM `db`.`user` WHERE uid IN (5, 1500, 2500)", "s0", "s1", "s2")),
                row("SELECT * FROM user WHERE uid BETWEEN 900 AND 1100", Kind.SCATTER_READ,
                        each("SELECT * FROM `db`.`user` WHERE uid BETWEEN 900 AND 1100", "s0", "s1")),
                row("SELECT * FROM user WHERE uid = 5 OR uid = 3500", Kind.SCATTER_READ,
                        each("SELECT * FROM `db`.`user` WHERE uid = 5 OR uid = 3500", "s0", "s3")),
                row("SELECT * FROM user WHERE uid > 10 AND uid < 20", Kind.SINGLE,
                        t("s0", "SELECT * FROM `user_db_0`.`user` WHERE uid > 10 AND uid < 20")),
                row("SELECT * FROM user WHERE uid >= 3000", Kind.SINGLE,
                        t("s3", "SELECT * FROM `user_db_3`.`user` WHERE uid >= 3000")),
                row("SELECT * FROM user WHERE uid IN (5, 1500) AND uid > 1000", Kind.SINGLE,
                        t("s1", "SELECT * FROM `user_db_1`.`user` WHERE uid IN (5, 1500) AND uid > 1000")),
                row("SELECT * FROM user WHERE name = 'x'", Kind.SCATTER_READ, each("SELECT * FROM `db`.`user` WHERE name = 'x'", ALL)),
                // a key no range covers: no row can exist; one shard answers (with no rows)
                row("SELECT * FROM user WHERE uid = 99999", Kind.SINGLE, t("s0", "SELECT * FROM `user_db_0`.`user` WHERE uid = 99999")),
                // ? has no value in the text protocol: every shard, never a wrong one
                row("SELECT * FROM user WHERE uid = ?", Kind.SCATTER_READ, each("SELECT * FROM `db`.`user` WHERE uid = ?", ALL)),
                // ---- hash mod and hash slots
                row("SELECT * FROM user_ex WHERE uid IN (1, 5, 9)", Kind.SINGLE,
                        t("s1", "SELECT * FROM `user_db_1`.`user_ex` WHERE uid IN (1, 5, 9)")),
                row("SELECT * FROM user_ex WHERE uid = -1", Kind.SINGLE, t("s3", "SELECT * FROM `user_db_3`.`user_ex` WHERE uid = -1")),
                row("SELECT * FROM user_ex WHERE uid BETWEEN 2 AND 3", Kind.SCATTER_READ,
                        each("SELECT * FROM `db`.`user_ex` WHERE uid BETWEEN 2 AND 3", "s2", "s3")),
                row("SELECT * FROM user_event WHERE uid = 20", Kind.SINGLE,
                        t("s1", "SELECT * FROM `user_db_1`.`user_event` WHERE uid = 20")),
                row("SELECT * FROM user_event WHERE uid BETWEEN 3 AND 5", Kind.SCATTER_READ,
                        each("SELECT * FROM `user_db_0`.`user_event` WHERE uid BETWEEN 3 AND 5".replace("`user_db_0`", "`db`"), "s0", "s1")),
                // ---- names: logical schema qualifier replaced, column qualifiers too; other schemas untouched
                row("SELECT * FROM userdb.user WHERE user.uid = 5", Kind.SINGLE,
                        t("s0", "SELECT * FROM `user_db_0`.`user` WHERE `user_db_0`.`user`.uid = 5")),
                row("SELECT * FROM `USER` WHERE uid = 1000", Kind.SINGLE, t("s1", "SELECT * FROM `user_db_1`.`USER` WHERE uid = 1000")),
                row("SELECT * FROM information_schema.tables", Kind.PASSTHROUGH, "g0: <unchanged>"),
                row("SELECT * FROM mysql.user", Kind.PASSTHROUGH, "g0: <unchanged>"),
                // ---- unlisted and broadcast tables
                row("SELECT * FROM log WHERE id = 3", Kind.SINGLE, t("s0", "SELECT * FROM `user_db_0`.`log` WHERE id = 3")),
                row("UPDATE log SET x = 1", Kind.SINGLE, t("s0", "UPDATE `user_db_0`.`log` SET x = 1")),
                row("SELECT * FROM city", Kind.SINGLE, t("s0", "SELECT * FROM `user_db_0`.`city`")),
                row("SELECT * FROM city c JOIN log l ON c.id = l.city", Kind.SINGLE,
                        t("s0", "SELECT * FROM `user_db_0`.`city` c JOIN `user_db_0`.`log` l ON c.id = l.city")),
                row("UPDATE city SET name = 'x'", Kind.BROADCAST_WRITE, each("UPDATE `db`.`city` SET name = 'x'", ALL)),
                row("INSERT INTO city (id, name) VALUES (1, 'a'), (2, 'b')", Kind.BROADCAST_WRITE,
                        each("INSERT INTO `db`.`city` (id, name) VALUES (1, 'a'), (2, 'b')", ALL)),
                // ---- writes
                row("UPDATE user SET name = 'x' WHERE uid = 5", Kind.SINGLE, t("s0", "UPDATE `user_db_0`.`user` SET name = 'x' WHERE uid = 5")),
                row("UPDATE user SET name = 'x'", Kind.FANOUT_WRITE, each("UPDATE `db`.`user` SET name = 'x'", ALL)),
                row("DELETE FROM user WHERE uid IN (1, 2000)", Kind.FANOUT_WRITE, each("DELETE FROM `db`.`user` WHERE uid IN (1, 2000)", "s0", "s2")),
                row("DELETE FROM user WHERE uid = 7 LIMIT 1", Kind.SINGLE, t("s0", "DELETE FROM `user_db_0`.`user` WHERE uid = 7 LIMIT 1")),
                // ---- INSERT per row
                row("INSERT INTO user (uid, name) VALUES (5, 'a')", Kind.SINGLE,
                        t("s0", "INSERT INTO `user_db_0`.`user` (uid, name) VALUES (5, 'a')")),
                row("INSERT INTO user (name, uid) VALUES ('a', 1001), ('b', 1999)", Kind.SINGLE,
                        t("s1", "INSERT INTO `user_db_1`.`user` (name, uid) VALUES ('a', 1001), ('b', 1999)")),
                row("INSERT INTO user (uid, name) VALUES (5, 'a'), (1500, 'b'), (7, 'c, (x)'), (3500, 'd')", Kind.FANOUT_WRITE,
                        t("s0", "INSERT INTO `user_db_0`.`user` (uid, name) VALUES (5, 'a'), (7, 'c, (x)')"),
                        t("s1", "INSERT INTO `user_db_1`.`user` (uid, name) VALUES (1500, 'b')"),
                        t("s3", "INSERT INTO `user_db_3`.`user` (uid, name) VALUES (3500, 'd')")),
                row("/* c */ INSERT INTO user_ex (uid, note) VALUES (1, ')'), /* (9) */ (2, 'it''s') ON DUPLICATE KEY UPDATE note = 'z'",
                        Kind.FANOUT_WRITE,
                        t("s1", "/* c */ INSERT INTO `user_db_1`.`user_ex` (uid, note) VALUES (1, ')') ON DUPLICATE KEY UPDATE note = 'z'"),
                        t("s2", "/* c */ INSERT INTO `user_db_2`.`user_ex` (uid, note) VALUES (2, 'it''s') ON DUPLICATE KEY UPDATE note = 'z'")),
                row("REPLACE INTO user (uid) VALUES (3001)", Kind.SINGLE, t("s3", "REPLACE INTO `user_db_3`.`user` (uid) VALUES (3001)")),
                // ---- DDL
                row("CREATE TABLE user (uid BIGINT PRIMARY KEY, name VARCHAR(10))", Kind.FANOUT_WRITE,
                        each("CREATE TABLE `db`.`user` (uid BIGINT PRIMARY KEY, name VARCHAR(10))", ALL)),
                row("ALTER TABLE city ADD COLUMN x INT", Kind.FANOUT_WRITE, each("ALTER TABLE `db`.`city` ADD COLUMN x INT", ALL)),
                row("CREATE TABLE log (id INT)", Kind.SINGLE, t("s0", "CREATE TABLE `user_db_0`.`log` (id INT)")),
                // ---- joins pushed down
                row("SELECT u.name, o.item FROM user u JOIN orders o ON u.uid = o.uid WHERE u.uid = 1500", Kind.SINGLE,
                        t("s1", "SELECT u.name, o.item FROM `user_db_1`.`user` u JOIN `user_db_1`.`orders` o ON u.uid = o.uid WHERE u.uid = 1500")),
                row("SELECT u.name, o.item FROM user u JOIN orders o ON u.uid = o.uid", Kind.SCATTER_READ,
                        each("SELECT u.name, o.item FROM `db`.`user` u JOIN `db`.`orders` o ON u.uid = o.uid", ALL)),
                row("SELECT * FROM user u, orders o WHERE u.uid = o.uid AND o.uid IN (1, 3999)", Kind.SCATTER_READ,
                        each("SELECT * FROM `db`.`user` u, `db`.`orders` o WHERE u.uid = o.uid AND o.uid IN (1, 3999)", "s0", "s3")),
                row("SELECT * FROM user u JOIN city c ON u.city = c.id WHERE u.uid IN (1, 2)", Kind.SINGLE,
                        t("s0", "SELECT * FROM `user_db_0`.`user` u JOIN `user_db_0`.`city` c ON u.city = c.id WHERE u.uid IN (1, 2)")),
                row("SELECT * FROM user u JOIN city c ON u.city = c.id", Kind.SCATTER_READ,
                        each("SELECT * FROM `db`.`user` u JOIN `db`.`city` c ON u.city = c.id", ALL)),
                // every sharded table on the same single shard: any join / subquery is local there
                row("SELECT * FROM user u JOIN orders o ON u.name = o.item WHERE u.uid = 3 AND o.uid = 4", Kind.SINGLE,
                        t("s0", "SELECT * FROM `user_db_0`.`user` u JOIN `user_db_0`.`orders` o ON u.name = o.item WHERE u.uid = 3 AND o.uid = 4")),
                row("SELECT * FROM user u JOIN log l ON u.uid = l.uid WHERE u.uid = 3", Kind.SINGLE,
                        t("s0", "SELECT * FROM `user_db_0`.`user` u JOIN `user_db_0`.`log` l ON u.uid = l.uid WHERE u.uid = 3")),
                row("SELECT * FROM user WHERE uid = 2001 AND name IN (SELECT item FROM orders WHERE uid = 2002)", Kind.SINGLE,
                        t("s2", "SELECT * FROM `user_db_2`.`user` WHERE uid = 2001 AND name IN (SELECT item FROM `user_db_2`.`orders` WHERE uid = 2002)")),
                // ---- more shapes
                row("INSERT INTO user SET uid = 1500, name = 'a'", Kind.SINGLE, t("s1", "INSERT INTO `user_db_1`.`user` SET uid = 1500, name = 'a'")),
                row("INSERT INTO user (uid) VALUES (1), (1001) -- comment (9)", Kind.FANOUT_WRITE,
                        t("s0", "INSERT INTO `user_db_0`.`user` (uid) VALUES (1) -- comment (9)"),
                        t("s1", "INSERT INTO `user_db_1`.`user` (uid) VALUES (1001) -- comment (9)")),
                row("SELECT uid FROM user WHERE uid < 1500 ORDER BY uid LIMIT 10 OFFSET 20", Kind.SCATTER_READ,
                        each("SELECT uid FROM `db`.`user` WHERE uid < 1500 ORDER BY uid LIMIT 30", "s0", "s1")),
                row("SELECT * FROM user WHERE uid = 5 UNION SELECT * FROM user WHERE uid = 7", Kind.SINGLE,
                        t("s0", "SELECT * FROM `user_db_0`.`user` WHERE uid = 5 UNION SELECT * FROM `user_db_0`.`user` WHERE uid = 7")),
                row("SELECT * FROM user u JOIN orders o USING (uid) WHERE u.uid IN (1, 1001)", Kind.SCATTER_READ,
                        each("SELECT * FROM `db`.`user` u JOIN `db`.`orders` o USING (uid) WHERE u.uid IN (1, 1001)", "s0", "s1")),
                row("TRUNCATE TABLE user_event", Kind.FANOUT_WRITE, each("TRUNCATE TABLE `db`.`user_event`", ALL)),
                row("SHOW CREATE TABLE user", Kind.SINGLE, t("s0", "SHOW CREATE TABLE `user_db_0`.`user`")),
                row("SELECT * FROM other_db.user WHERE uid = 5", Kind.PASSTHROUGH, "g0: <unchanged>"),
                // ---- no tables
                row("SELECT 1", Kind.PASSTHROUGH, "g0: <unchanged>"),
                row("SET autocommit = 1", Kind.PASSTHROUGH, "g0: <unchanged>"),
                row("USE userdb", Kind.PASSTHROUGH, "g0: <unchanged>"),
                row("BEGIN", Kind.PASSTHROUGH, "g0: <unchanged>"),
                row("SHOW TABLES", Kind.PASSTHROUGH, "g0: <unchanged>"),
                row("SELEC * FROM foo", Kind.PASSTHROUGH, "g0: <unchanged>"),
                row("SELEC * FROM users", Kind.PASSTHROUGH, "g0: <unchanged>"),
                row("SELECT 1; SELECT 2", Kind.PASSTHROUGH, "g0: <unchanged>"),
                row("INSERT INTO log (a) VALUES (1); INSERT INTO log (a) VALUES (2)", Kind.SINGLE,
                        t("s0", "INSERT INTO `user_db_0`.`log` (a) VALUES (1); INSERT INTO `user_db_0`.`log` (a) VALUES (2)")),
                // ---- nearby valid forms of the review's refusals (see refused())
                row("SELECT name, * FROM user ORDER BY name", Kind.SCATTER_READ, each("SELECT name, * FROM `db`.`user` ORDER BY name", ALL)),
                row("(SELECT name FROM user ORDER BY name LIMIT 2)", Kind.SCATTER_READ,
                        each("(SELECT name FROM `db`.`user` ORDER BY name LIMIT 2)", ALL)),
                row("(SELECT name FROM user WHERE uid = 5 ORDER BY name LIMIT 2) ORDER BY name DESC", Kind.SINGLE,
                        t("s0", "(SELECT name FROM `user_db_0`.`user` WHERE uid = 5 ORDER BY name LIMIT 2) ORDER BY name DESC")),
                row("SELECT city, COUNT(*) FROM user GROUP BY city ORDER BY city DESC", Kind.SCATTER_READ,
                        each("SELECT city, COUNT(*) FROM `db`.`user` GROUP BY city ORDER BY city DESC", ALL)),
                row("SELECT city, name, COUNT(*) AS n FROM user GROUP BY city, name ORDER BY city, name DESC, n", Kind.SCATTER_READ,
                        each("SELECT city, name, COUNT(*) AS n FROM `db`.`user` GROUP BY city, name ORDER BY city, name DESC, n", ALL)),
                row("SELECT city, COUNT(*) FROM user WHERE uid = 5 GROUP BY city", Kind.SINGLE,
                        t("s0", "SELECT city, COUNT(*) FROM `user_db_0`.`user` WHERE uid = 5 GROUP BY city")),
                row("SELECT DISTINCT city, name FROM user ORDER BY city, name", Kind.SCATTER_READ,
                        each("SELECT DISTINCT city, name FROM `db`.`user` ORDER BY city, name", ALL)),
                row("SELECT name FROM user WHERE uid = 1500 ORDER BY name COLLATE utf8mb4_bin", Kind.SINGLE,
                        t("s1", "SELECT name FROM `user_db_1`.`user` WHERE uid = 1500 ORDER BY name COLLATE utf8mb4_bin")),
                row("SELECT u.name AS name, COUNT(*) FROM user u GROUP BY name ORDER BY name", Kind.SCATTER_READ,
                        each("SELECT u.name AS name, COUNT(*) FROM `db`.`user` u GROUP BY name ORDER BY name", ALL)),
                row("SELECT uid AS name, COUNT(*) FROM user WHERE uid = 5 GROUP BY name", Kind.SINGLE,
                        t("s0", "SELECT uid AS name, COUNT(*) FROM `user_db_0`.`user` WHERE uid = 5 GROUP BY name")),
                row("INSERT INTO city (id, name, t) VALUES (1, 'now()', UNIX_TIMESTAMP('2024-01-01')) /* NOW() */", Kind.BROADCAST_WRITE,
                        each("INSERT INTO `db`.`city` (id, name, t) VALUES (1, 'now()', UNIX_TIMESTAMP('2024-01-01')) /* NOW() */", ALL)),
                row("UPDATE city SET `now` = c.rand WHERE id = 1", Kind.BROADCAST_WRITE,
                        each("UPDATE `db`.`city` SET `now` = c.rand WHERE id = 1", ALL)),
                row("INSERT INTO user (uid) VALUES (1) /*!, (5) */", Kind.SINGLE, t("s0", "INSERT INTO `user_db_0`.`user` (uid) VALUES (1) /*!, (5) */")),
                // ---- hint: still master (recorded in the reason, checked below)
                row("/*+ shardgate:master */ SELECT * FROM user WHERE uid = 5", Kind.SINGLE,
                        t("s0", "/*+ shardgate:master */ SELECT * FROM `user_db_0`.`user` WHERE uid = 5")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routed")
    void routes(String sql, Kind kind, List<String> targets) {
        RoutePlan p = ROUTER.plan(sql);
        assertThat(p.kind()).as(p.explain()).isEqualTo(kind);
        assertThat(describe(p)).as(p.explain()).containsExactlyElementsOf(targets);
        // read-write splitting: a plain SELECT may be answered by a replica, anything else by the master
        Role role = io.shardgate.router.analysis.ReadClassifier.classify(sql)
                == io.shardgate.router.analysis.ReadClassifier.StatementClass.READ ? Role.REPLICA : Role.MASTER;
        assertThat(p.targets()).allMatch(x -> x.role() == role);
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("INSERT INTO user (name) VALUES ('a')", "INSERT into sharded table user without a value for its sharding key uid"),
                Arguments.of("INSERT INTO user (uid, name) VALUES (DEFAULT, 'a')", "without a value for its sharding key uid"),
                Arguments.of("INSERT INTO user VALUES (5, 'a')", "without a column list"),
                Arguments.of("INSERT INTO user (uid, name) VALUES (?, 'a')", "with a ? placeholder for its sharding key uid"),
                Arguments.of("INSERT INTO user (uid, name) VALUES (NOW(), 'a')", "sharding key uid is not an integer literal"),
                Arguments.of("INSERT INTO user (uid) VALUES (1), (uid + 1)", "is not an integer literal (row 2)"),
                Arguments.of("INSERT INTO user (uid) VALUES (5000)", "table user has no shard for uid = 5000"),
                Arguments.of("INSERT INTO user (uid, name) SELECT uid, name FROM log", "INSERT into sharded table user that also reads table log"),
                Arguments.of("INSERT INTO user (uid) VALUES (1) ON DUPLICATE KEY UPDATE uid = 2", "ON DUPLICATE KEY UPDATE of the sharding key uid"),
                Arguments.of("UPDATE user SET uid = 7 WHERE uid = 5", "UPDATE of the sharding key uid of table user is not supported"),
                Arguments.of("DELETE FROM user WHERE uid > 5 LIMIT 3", "DELETE with LIMIT on sharded table user across shards"),
                Arguments.of("SELECT u.name, o.item FROM user u JOIN orders o ON u.name = o.item", "a JOIN of user and orders not on their keys"),
                Arguments.of("SELECT * FROM user u JOIN user v ON u.name = v.name", "a JOIN of user and user not on their keys"),
                Arguments.of("SELECT * FROM user_ex e JOIN acct a ON e.uid = a.account_id", "a JOIN of user_ex and acct which are sharded by different rules"),
                Arguments.of("SELECT * FROM user u JOIN user_ex e ON u.uid = e.uid", "a JOIN of user and user_ex which are sharded by different rules"),
                Arguments.of("SELECT * FROM user u JOIN log l ON u.uid = l.uid", "unlisted table log (which lives only in the default shard s0)"),
                Arguments.of("SELECT * FROM user WHERE uid IN (SELECT uid FROM orders WHERE item = 'x')", "a subquery in WHERE over sharded table orders"),
                Arguments.of("SELECT * FROM log WHERE id IN (SELECT uid FROM user)", "a subquery in WHERE over sharded table user"),
                Arguments.of("SELECT * FROM (SELECT * FROM user) x", "a subquery in FROM over sharded table user"),
                Arguments.of("SELECT DISTINCT AVG(score) FROM user", "AVG with SELECT DISTINCT across shards is not supported yet"),
                Arguments.of("SELECT AVG(user.score) FROM user", "AVG across shards is not supported yet when its argument is qualified"),
                Arguments.of("SELECT COUNT(DISTINCT city) FROM user", "an aggregate over DISTINCT values"),
                Arguments.of("SELECT SUM(a) / COUNT(*) FROM user", "an aggregate inside an expression"),
                Arguments.of("SELECT city, COUNT(*) FROM user GROUP BY city HAVING COUNT(*) > 1", "HAVING over sharded table user"),
                Arguments.of("SELECT name FROM user ORDER BY score", "ORDER BY score, which is not in the select list"),
                Arguments.of("SELECT name FROM user LIMIT ?", "a LIMIT that is not made of integer literals"),
                Arguments.of("SELECT uid FROM user UNION SELECT uid FROM orders", "UNION"),
                Arguments.of("UPDATE city c JOIN user u ON c.id = u.city SET c.n = 1", "a write to broadcast table city that reads sharded table user"),
                Arguments.of("SELEC * FROM user", "cannot parse a statement naming table user"),
                Arguments.of("selec * from `CITY`", "cannot parse a statement naming table CITY"),
                Arguments.of("SELECT * FROM user WHERE uid = 1; SELECT 2", "several statements in one text touching sharded table user"),
                Arguments.of("SELECT * FROM user u WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.uid = u.uid AND o.uid = 5)",
                        "a subquery in WHERE over sharded table orders"),
                Arguments.of("SELECT * FROM user WHERE uid = 5 UNION SELECT * FROM user WHERE uid = 1007", "a UNION over sharded table user"),
                Arguments.of("DROP TABLE user, log", "DDL naming sharded table user and unlisted table log"),
                Arguments.of("SELECT @n := uid FROM user", "assigning a user variable"),
                Arguments.of("UPDATE user SET x = LAST_INSERT_ID()", "LAST_INSERT_ID() in a statement over sharded table user"),
                Arguments.of("SELECT GET_LOCK('a', 1) FROM user", "GET_LOCK() in a statement"),
                Arguments.of("LOCK TABLES user WRITE", "LOCK_TABLES statement naming sharded table user is not supported"),
                // ---- review: plans whose merge would differ from MySQL across shards
                // 1. a * hides the positions after it
                Arguments.of("SELECT * FROM user ORDER BY user.name", "ORDER BY user.name with * in the select list over sharded table user"),
                Arguments.of("SELECT u.*, o.item FROM user u JOIN orders o ON u.uid = o.uid ORDER BY name",
                        "ORDER BY name with * in the select list of several tables"),
                Arguments.of("SELECT *, name FROM user ORDER BY name", "ORDER BY name, at or after * in the select list"),
                Arguments.of("SELECT * FROM user ORDER BY 1", "ORDER BY 1, at or after * in the select list"),
                Arguments.of("SELECT city, COUNT(*), user.* FROM user GROUP BY city ORDER BY city", "GROUP BY with * in the select list"),
                Arguments.of("SELECT COUNT(*), * FROM user", "an aggregate with * in the select list"),
                Arguments.of("SELECT DISTINCT * FROM user", "SELECT DISTINCT with * in the select list"),
                // 2. a bracketed block's own ORDER BY / LIMIT under an outer one
                Arguments.of("(SELECT name FROM user ORDER BY name LIMIT 2) ORDER BY name DESC",
                        "a bracketed query with its own ORDER BY or LIMIT followed by another ORDER BY or LIMIT"),
                Arguments.of("(SELECT * FROM user ORDER BY uid LIMIT 2) LIMIT 5", "a bracketed query with its own ORDER BY or LIMIT"),
                // 3. GroupFold needs equal group keys adjacent
                Arguments.of("SELECT city, COUNT(*) AS n FROM user GROUP BY city ORDER BY n DESC",
                        "GROUP BY across shards needs an ORDER BY that starts with the group columns (ORDER BY city), or none"),
                Arguments.of("SELECT city, name, COUNT(*) FROM user GROUP BY city, name ORDER BY name, city",
                        "GROUP BY across shards needs an ORDER BY that starts with the group columns (ORDER BY city, name)"),
                Arguments.of("SELECT DISTINCT city, name FROM user ORDER BY name, city", "SELECT DISTINCT across shards needs an ORDER BY on all its select items"),
                Arguments.of("SELECT city, COUNT(*) FROM user GROUP BY city INTO OUTFILE '/tmp/x'", "GROUP BY or DISTINCT without ORDER BY"),
                // 4. the merge cannot compare by a collation
                Arguments.of("SELECT name FROM user ORDER BY name COLLATE utf8mb4_bin", "ORDER BY name COLLATE utf8mb4_bin over sharded table user"),
                // 5. MySQL resolves a GROUP BY name to a column before an alias
                Arguments.of("SELECT uid AS name, COUNT(*) FROM user GROUP BY name ORDER BY name", "GROUP BY name, which names the select alias of uid"),
                Arguments.of("SELECT x, AVG(y) AS x FROM user GROUP BY x ORDER BY x", "GROUP BY x, which names the select alias of AVG(y)"),
                // 6. broadcast copies must stay equal
                Arguments.of("INSERT INTO city (id, created) VALUES (1, NOW())", "a write to broadcast table city using NOW()"),
                Arguments.of("UPDATE city SET token = uuid() WHERE id = 1", "a write to broadcast table city using UUID()"),
                Arguments.of("INSERT INTO city (id, t) VALUES (1, CURRENT_TIMESTAMP)", "using CURRENT_TIMESTAMP"),
                Arguments.of("UPDATE city SET t = UNIX_TIMESTAMP ( ) WHERE id = 1", "using UNIX_TIMESTAMP()"),
                Arguments.of("DELETE FROM city WHERE created < SYSDATE()", "using SYSDATE()"),
                Arguments.of("INSERT INTO city (id, n) VALUES (1, /*!50000 RAND() + */ 0)", "using RAND()"),
                // 7. a split must not cut a comment
                Arguments.of("INSERT INTO user (uid) VALUES (1) /*!, (1500) */", "with a comment across its VALUES tuples cannot be split"),
                Arguments.of("INSERT INTO user (uid) VALUES (1), /*!50000 (1500), */ (2500)", "with a comment across its VALUES tuples"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refuses(String sql, String message) {
        RoutePlan p = ROUTER.plan(sql);
        assertThat(p.kind()).as(p.explain()).isEqualTo(Kind.REFUSED);
        assertThat(p.targets()).isEmpty();
        assertThat(p.refusal().code()).isEqualTo(1235);
        assertThat(p.refusal().sqlState()).isEqualTo("42000");
        assertThat(p.refusal().message()).contains(message);
    }

    @Test
    void scatterWithOrderByAndLimitAsksEachShardForOffsetPlusCountAndExplainsTheMerge() {
        RoutePlan p = ROUTER.plan("SELECT uid, name FROM user WHERE uid < 2000 ORDER BY name DESC, uid LIMIT 20, 10");
        assertThat(p.merge()).isEqualTo(new MergeSpec(List.of(new MergeSpec.SortKey(1, null, "name", true),
                new MergeSpec.SortKey(0, null, "uid", false)), List.of(), List.of(), false, 20, 10L, 30L));
        assertThat(p.explain()).isEqualTo("""
                kind: SCATTER_READ
                g0/s0 db=user_db_0 replica: SELECT uid, name FROM `user_db_0`.`user` WHERE uid < 2000 ORDER BY name DESC, uid LIMIT 30
                g0/s1 db=user_db_1 replica: SELECT uid, name FROM `user_db_1`.`user` WHERE uid < 2000 ORDER BY name DESC, uid LIMIT 30
                merge: order by [#1 (name) DESC, #0 (uid) ASC]
                merge: limit offset 20 count 10 (each shard asked for LIMIT 30)
                reason: user.uid (-inf,1999] -> shards [s0, s1]""");
    }

    @Test
    void aggregatesAndGroupByMergeAndPageAfterMerging() {
        RoutePlan p = ROUTER.plan("SELECT city, COUNT(*) AS n, SUM(score), MIN(uid), MAX(uid) FROM user GROUP BY city ORDER BY city, n DESC LIMIT 3");
        assertThat(p.kind()).isEqualTo(Kind.SCATTER_READ);
        assertThat(p.targets()).hasSize(4);
        // groups span shards: the shards get no LIMIT, the merge pages
        assertThat(p.targets().get(0).sql()).isEqualTo("SELECT city, COUNT(*) AS n, SUM(score), MIN(uid), MAX(uid) FROM `user_db_0`.`user` GROUP BY city ORDER BY city, n DESC ");
        MergeSpec m = p.merge();
        assertThat(m.groupBy()).containsExactly(0);
        assertThat(m.aggregates()).extracting(MergeSpec.AggregateColumn::combine).containsExactly(
                MergeSpec.Combine.COUNT_SUM, MergeSpec.Combine.SUM, MergeSpec.Combine.MIN, MergeSpec.Combine.MAX);
        assertThat(m.aggregates()).extracting(MergeSpec.AggregateColumn::selectIndex).containsExactly(1, 2, 3, 4);
        assertThat(m.orderBy()).containsExactly(new MergeSpec.SortKey(0, null, "city", false), new MergeSpec.SortKey(1, null, "n", true));
        assertThat(m.offset()).isZero();
        assertThat(m.count()).isEqualTo(3L);
        assertThat(m.shardLimit()).isNull();
    }

    static Stream<Arguments> groupedWithoutOrder() {
        return Stream.of(
                Arguments.of("SELECT city, COUNT(*) FROM user GROUP BY city",
                        "SELECT city, COUNT(*) FROM `user_db_0`.`user` GROUP BY city ORDER BY 1"),
                Arguments.of("SELECT COUNT(*), city, name FROM user GROUP BY city, name LIMIT 3;  -- three",
                        "SELECT COUNT(*), city, name FROM `user_db_0`.`user` GROUP BY city, name ORDER BY 2, 3;  -- three"),
                Arguments.of("SELECT city, MAX(uid) FROM user GROUP BY city /* c */ ;",
                        "SELECT city, MAX(uid) FROM `user_db_0`.`user` GROUP BY city ORDER BY 1 /* c */ ;"),
                Arguments.of("SELECT city, SUM(score) FROM user WHERE name = 'GROUP' GROUP BY city FOR UPDATE",
                        "SELECT city, SUM(score) FROM `user_db_0`.`user` WHERE name = 'GROUP' GROUP BY city ORDER BY 1 FOR UPDATE"),
                Arguments.of("SELECT DISTINCT city, name FROM user",
                        "SELECT DISTINCT city, name FROM `user_db_0`.`user` ORDER BY 1, 2"),
                Arguments.of("SELECT DISTINCT city FROM user LIMIT 2, 5",
                        "SELECT DISTINCT city FROM `user_db_0`.`user` ORDER BY 1 LIMIT 7"));
    }

    /** A grouped or DISTINCT read without ORDER BY: the shards sort by the keys (by position) so the merge can fold. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("groupedWithoutOrder")
    void groupedReadsWithoutOrderBySortByTheirKeysOnTheShards(String sql, String onS0) {
        RoutePlan p = ROUTER.plan(sql);
        assertThat(p.kind()).as(p.explain()).isEqualTo(Kind.SCATTER_READ);
        assertThat(p.targets().get(0).sql()).isEqualTo(onS0);
        assertThat(p.merge().orderBy()).isNotEmpty().allMatch(k -> !k.descending() && k.selectIndex() >= 0);
    }

    @Test
    void distinctAndStarOrderByAreMergeable() {
        RoutePlan d = ROUTER.plan("SELECT DISTINCT city FROM user ORDER BY city");
        assertThat(d.merge().distinct()).isTrue();
        RoutePlan s = ROUTER.plan("SELECT * FROM user ORDER BY uid LIMIT 5");
        assertThat(s.merge().orderBy()).containsExactly(new MergeSpec.SortKey(-1, "uid", "uid", false));
        assertThat(s.targets().get(3).sql()).isEqualTo("SELECT * FROM `user_db_3`.`user` ORDER BY uid LIMIT 5");
        assertThat(s.merge().count()).isEqualTo(5L);
        assertThat(ROUTER.plan("SELECT * FROM user").merge()).isEqualTo(MergeSpec.CONCAT);
    }

    @Test
    void hintIsRecordedAndRoleStaysMaster() {
        RoutePlan p = ROUTER.plan("/*+ shardgate:master */ SELECT * FROM user WHERE uid = 5");
        assertThat(p.reason()).contains("hint shardgate:master");
        assertThat(p.targets().get(0).role()).isEqualTo(Role.MASTER);
    }

    @Test
    void passthroughExplainKeepsThePreShardingFormat() {
        assertThat(ROUTER.plan("SET @a = 1").explain()).isEqualTo("g0 master: <statement unchanged>\nreason: no tables: SET");
        assertThat(ROUTER.plan("SELECT 1").explain()).isEqualTo("g0 replica: <statement unchanged>\nreason: no tables: SELECT");
    }

    @Test
    void refusedExplain() {
        assertThat(ROUTER.plan("SELECT SUM(a) / COUNT(*) FROM user").explain()).startsWith(
                "kind: REFUSED\nrefused: 1235 (42000) an aggregate inside an expression (SUM(a) / COUNT(*)) over sharded table user");
    }

    @Test
    void avgIsRewrittenToSumInPlaceAndAHiddenCount() {
        RoutePlan p = ROUTER.plan("SELECT city, avg( u.score ) AS a, MAX(uid), AVG(qty) FROM user u WHERE uid >= 2000 GROUP BY city ORDER BY city, a DESC");
        assertThat(describe(p)).containsExactly(
                t("s2", "SELECT city, SUM( u.score ) AS a, MAX(uid), SUM(qty), COUNT( u.score ), COUNT(qty) FROM `user_db_2`.`user` u WHERE uid >= 2000 GROUP BY city ORDER BY city, a DESC"),
                t("s3", "SELECT city, SUM( u.score ) AS a, MAX(uid), SUM(qty), COUNT( u.score ), COUNT(qty) FROM `user_db_3`.`user` u WHERE uid >= 2000 GROUP BY city ORDER BY city, a DESC"));
        MergeSpec m = p.merge();
        assertThat(m.hiddenColumns()).isEqualTo(2);
        assertThat(m.aggregates()).containsExactly(
                new MergeSpec.AggregateColumn(1, "avg(u.score)", MergeSpec.Combine.AVG, 4, "a"),
                new MergeSpec.AggregateColumn(2, "MAX(uid)", MergeSpec.Combine.MAX),
                new MergeSpec.AggregateColumn(3, "AVG(qty)", MergeSpec.Combine.AVG, 5, "AVG(qty)"));
        assertThat(p.explain()).contains("merge: drop the last 2 column(s)");
    }

    @Test
    void plansAreCachedByText() {
        ShardingRouter r = new ShardingRouter(TestMap.MAP);
        RoutePlan a = r.plan("SELECT * FROM user WHERE uid = 5");
        assertThat(r.plan("SELECT * FROM user WHERE uid = 5")).isSameAs(a);
        assertThat(r.planUncached("SELECT * FROM user WHERE uid = 5")).isNotSameAs(a).isEqualTo(a);
        assertThat(r.needsStatementText()).isTrue();
    }

    @Test
    void coLocationIsEqualityOfTheMappingNotOfTheShardSet() {
        var m = TestMap.MAP;
        assertThat(ShardingRouter.coLocated((io.shardgate.rules.ShardedTable) m.table("user"),
                (io.shardgate.rules.ShardedTable) m.table("orders"))).isTrue();
        // same kind (hash mod), same shard set, different order: key 0 is in s0 for one and s3 for the other
        assertThat(ShardingRouter.coLocated((io.shardgate.rules.ShardedTable) m.table("user_ex"),
                (io.shardgate.rules.ShardedTable) m.table("acct"))).isFalse();
        assertThat(ShardingRouter.coLocated((io.shardgate.rules.ShardedTable) m.table("user_event"),
                (io.shardgate.rules.ShardedTable) m.table("user_event"))).isTrue();
    }

    @Test
    void aGroupsOnlyMapPassesEverythingThrough() {
        var map = io.shardgate.rules.ShardMap.fromYaml(io.shardgate.rules.yaml.YamlNode.parse("g.yaml",
                "schema: x\ngroups:\n  g7: { master: 127.0.0.1:1 }\n"), 1);
        RoutePlan p = new ShardingRouter(map).plan("SELECT * FROM user WHERE uid = 1");
        assertThat(p.kind()).isEqualTo(Kind.PASSTHROUGH);
        assertThat(p.targets()).containsExactly(new RouteTarget("g7", Role.MASTER, null));
    }
}

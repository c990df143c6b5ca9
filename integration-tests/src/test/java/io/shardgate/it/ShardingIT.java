package io.shardgate.it;

import io.shardgate.rules.GroupDef;
import io.shardgate.rules.ShardDef;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static io.shardgate.it.ShardSql.awaitReplication;
import static io.shardgate.it.ShardSql.column;
import static io.shardgate.it.ShardSql.createOnEveryShard;
import static io.shardgate.it.ShardSql.direct;
import static io.shardgate.it.ShardSql.executeDirect;
import static io.shardgate.it.ShardSql.onEveryShard;
import static io.shardgate.it.ShardSql.rows;
import static io.shardgate.it.ShardSql.scalar;
import static io.shardgate.it.SharedShardedProxy.connect;
import static io.shardgate.it.SharedShardedProxy.shardOf;
import static io.shardgate.it.SharedShardedProxy.shards;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The sharding proxy ({@link SharedShardedProxy}: user by range, user_ex by hash mod, user_event by hash slots, city
 * broadcast, two shards per server) against the real servers: every effect is checked straight on the shard
 * databases, not only through the proxy.
 *
 * <p>Tests that are not about DDL create their tables straight on the shards ({@link ShardSql#createOnEveryShard}),
 * so a DDL fan-out problem fails only the DDL tests.
 */
@ExtendWith(SharedShardedProxy.class)
class ShardingIT {

    static final String USER_DDL = "CREATE TABLE user (uid BIGINT PRIMARY KEY, name VARCHAR(40), score INT, created DATE)";
    static final String USER_EX_DDL = "CREATE TABLE user_ex (uid BIGINT PRIMARY KEY, name VARCHAR(40), score INT, created DATE)";
    static final String USER_EVENT_DDL = "CREATE TABLE user_event (uid BIGINT PRIMARY KEY, name VARCHAR(40), score INT, created DATE)";
    static final String CITY_DDL = "CREATE TABLE city (id INT PRIMARY KEY, name VARCHAR(40), pop INT)";
    static final List<String> SHARDED = List.of("user", "user_ex", "user_event");

    private static String ddlOf(String table) {
        return switch (table) {
            case "user" -> USER_DDL;
            case "user_ex" -> USER_EX_DDL;
            case "user_event" -> USER_EVENT_DDL;
            case "city" -> CITY_DDL;
            default -> throw new IllegalArgumentException(table);
        };
    }

    /**
     * Where {@code table} physically exists, as "shard" names, looking on every master at the shard databases and at
     * a database named like the logical schema (which must never be created).
     */
    private static Set<String> whereIs(String table) throws SQLException {
        Set<String> out = new TreeSet<>();
        for (GroupDef g : SharedShardedProxy.map().groups().values()) {
            try (Connection d = SharedProxy.direct(g.master(), null)) {
                for (String schema : column(d, "SELECT TABLE_SCHEMA FROM information_schema.TABLES WHERE TABLE_NAME = '"
                        + table + "' AND (TABLE_SCHEMA LIKE 'sg\\_db\\_%' OR TABLE_SCHEMA = '" + SharedShardedProxy.SCHEMA + "')")) {
                    String shard = SharedShardedProxy.map().shardsOf(g.name()).stream()
                            .filter(s -> s.database().equals(schema)).map(ShardDef::name).findFirst().orElse(g.name() + "/" + schema);
                    out.add(shard);
                }
            }
        }
        return out;
    }

    private static Map<String, String> showCreate(String table) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String shard : shards()) out.put(shard, direct(shard, "SHOW CREATE TABLE " + table).get(0).get(1));
        return out;
    }

    // ------------------------------------------------------------------------------------------------ DDL

    @Test
    void ddlOnAShardedTableRunsInEveryShardDatabase() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS user");
            assertThat(whereIs("user")).isEmpty();

            s.execute(USER_DDL);
            assertThat(whereIs("user")).containsExactly("s0", "s1", "s2", "s3");
            Map<String, String> defs = showCreate("user");
            assertThat(new HashSet<>(defs.values())).as("SHOW CREATE TABLE on each shard: %s", defs).hasSize(1);
            assertThat(defs.get("s0")).contains("`uid` bigint(20) NOT NULL", "`name` varchar(40)", "`created` date",
                    "PRIMARY KEY (`uid`)");

            s.execute("ALTER TABLE user ADD COLUMN note VARCHAR(20) DEFAULT 'n'");
            defs = showCreate("user");
            assertThat(new HashSet<>(defs.values())).as("SHOW CREATE TABLE after ALTER on each shard: %s", defs).hasSize(1);
            assertThat(defs.get("s3")).contains("`note` varchar(20) DEFAULT 'n'");

            s.execute("DROP TABLE user");
            assertThat(whereIs("user")).isEmpty();
        }
    }

    @Test
    void ddlOnHashAndBroadcastTablesRunsInEveryShardDatabase() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String t : List.of("user_ex", "user_event", "city")) {
                s.execute("DROP TABLE IF EXISTS " + t);
                assertThat(whereIs(t)).as(t).isEmpty();
                s.execute(ddlOf(t));
                assertThat(whereIs(t)).as(t).containsExactly("s0", "s1", "s2", "s3");
                assertThat(new HashSet<>(showCreate(t).values())).as(t).hasSize(1);
                s.execute("DROP TABLE " + t);
                assertThat(whereIs(t)).as(t).isEmpty();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ placement

    /** A row's values, derived from its key, so any row read back can be checked. */
    private static String values(long uid) {
        return "(" + uid + ", 'n" + uid + "', " + Math.floorMod(uid, 97) + ", '2024-0" + (1 + Math.floorMod(uid, 9)) + "-1"
                + Math.floorMod(uid, 10) + "')";
    }

    /** The same row with the columns listed in another order: (name, created, uid, score). */
    private static String valuesNameFirst(long uid) {
        return "('n" + uid + "', '2024-0" + (1 + Math.floorMod(uid, 9)) + "-1" + Math.floorMod(uid, 10) + "', " + uid
                + ", " + Math.floorMod(uid, 97) + ")";
    }

    private static List<Long> keysFor(String table, Random rnd) {
        Set<Long> keys = new LinkedHashSet<>();
        if (table.equals("user")) {
            // range boundaries first, then random keys over the whole covered range
            keys.addAll(List.of(0L, 999L, 1000L, 1999L, 2000L, 2999L, 3000L, 3999L));
            while (keys.size() < 240) keys.add((long) rnd.nextInt(4000));
        } else {
            // negative keys (floorMod is never negative: -1 -> last shard / slot), slot edges, large keys
            keys.addAll(List.of(0L, -1L, -4L, -16L, -17L, 3L, 4L, 15L, 16L, 9_000_000_000L, -9_000_000_001L,
                    Long.MAX_VALUE, Long.MIN_VALUE + 1));
            while (keys.size() < 240) keys.add((long) rnd.nextInt(200_000) - 50_000);
        }
        List<Long> out = new ArrayList<>(keys);
        Collections.shuffle(out, rnd);
        return out;
    }

    @Test
    void insertedRowsLandInExactlyTheShardTheMapNames() throws SQLException {
        for (String t : SHARDED) createOnEveryShard(t, ddlOf(t));
        Random rnd = new Random(42);
        Map<String, List<Long>> inserted = new LinkedHashMap<>();
        int multiShardStatements = 0;
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String t : SHARDED) {
                List<Long> keys = keysFor(t, rnd);
                inserted.put(t, keys);
                int i = 0;
                // single-row INSERTs
                for (; i < 40; i++) {
                    String sql = "INSERT INTO " + t + " (uid, name, score, created) VALUES " + values(keys.get(i));
                    assertThat(s.executeUpdate(sql)).as(sql).isEqualTo(1);
                }
                // multi-row INSERTs of 2..25 rows, usually spanning shards; every other one with the key not first
                int statements = 0;
                while (i < keys.size()) {
                    List<Long> chunk = keys.subList(i, Math.min(keys.size(), i + 2 + rnd.nextInt(24)));
                    i += chunk.size();
                    boolean nameFirst = statements++ % 2 == 1;
                    String sql = "INSERT INTO " + t + (nameFirst ? " (name, created, uid, score) VALUES " : " (uid, name, score, created) VALUES ")
                            + chunk.stream().map(k -> nameFirst ? valuesNameFirst(k) : values(k)).collect(Collectors.joining(", "));
                    if (chunk.stream().map(k -> shardOf(t, k)).distinct().count() > 1) multiShardStatements++;
                    assertThat(s.executeUpdate(sql)).as("update count of a %d-row INSERT: %s", chunk.size(), sql)
                            .isEqualTo(chunk.size());
                }
            }
        }
        assertThat(multiShardStatements).as("multi-row INSERTs spanning shards").isGreaterThan(10);

        for (String t : SHARDED) {
            Map<String, Set<String>> expected = new LinkedHashMap<>();
            for (String shard : shards()) expected.put(shard, new TreeSet<>());
            for (long k : inserted.get(t)) expected.get(shardOf(t, k)).add(k + "|n" + k + "|" + Math.floorMod(k, 97));
            int total = 0;
            for (String shard : shards()) {
                Set<String> actual = new TreeSet<>();
                for (List<String> r : direct(shard, "SELECT uid, name, score FROM " + t)) actual.add(String.join("|", r));
                assertThat(actual).as("rows of %s in shard %s (%s)", t, shard, SharedShardedProxy.database(shard))
                        .isEqualTo(expected.get(shard));
                total += actual.size();
            }
            assertThat(total).as("rows of %s over all shards", t).isEqualTo(inserted.get(t).size());
            for (String shard : shards()) {
                assertThat(expected.get(shard)).as("the test puts rows of %s in every shard", t).isNotEmpty();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ broadcast

    private static final List<List<String>> CITIES = List.of(
            List.of("1", "Oslo", "700"), List.of("2", "Lima", "9000"), List.of("3", "Pune", "3000"));

    @Test
    void broadcastWritesLandIdenticallyInEveryShardAndReadsReturnOneCopy() throws SQLException {
        createOnEveryShard("city", CITY_DDL);
        awaitReplication();
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO city (id, name, pop) VALUES (1, 'Oslo', 700), (2, 'Lima', 9000), (3, 'Pune', 3000)");
            assertThat(onEveryShard("SELECT id, name, pop FROM city ORDER BY id").values()).allSatisfy(r -> assertThat(r).isEqualTo(CITIES));

            s.executeUpdate("UPDATE city SET pop = pop + 1 WHERE id = 2");
            s.executeUpdate("DELETE FROM city WHERE id = 3");
            List<List<String>> now = List.of(List.of("1", "Oslo", "700"), List.of("2", "Lima", "9001"));
            assertThat(onEveryShard("SELECT id, name, pop FROM city ORDER BY id").values()).allSatisfy(r -> assertThat(r).isEqualTo(now));

            assertThat(rows(c, "SELECT id, name, pop FROM city ORDER BY id")).isEqualTo(now);
            assertThat(rows(c, "SELECT name FROM city")).hasSize(2);
            assertThat(scalar(c, "SELECT COUNT(*) FROM city")).isEqualTo("2");
        }
    }

    /**
     * ASSUMED (not in the router's documentation): a broadcast write reports the rows it changed in one copy, i.e.
     * what the same statement reports on one server, not the sum over the four copies.
     */
    @Test
    void broadcastWritesReportTheUpdateCountOfOneCopy() throws SQLException {
        createOnEveryShard("city", CITY_DDL);
        try (Connection c = connect(); Statement s = c.createStatement()) {
            assertThat(s.executeUpdate("INSERT INTO city (id, name, pop) VALUES (1, 'Oslo', 700), (2, 'Lima', 9000), (3, 'Pune', 3000)"))
                    .isEqualTo(3);
            assertThat(s.executeUpdate("UPDATE city SET pop = pop + 1 WHERE id >= 2")).isEqualTo(2);
            assertThat(s.executeUpdate("DELETE FROM city WHERE id = 3")).isEqualTo(1);
        }
    }

    // ------------------------------------------------------------------------------------------------ point reads / writes

    private static final Map<String, List<Long>> POINT_KEYS = Map.of(
            "user", List.of(5L, 999L, 1000L, 1500L, 2000L, 2999L, 3000L, 3999L),
            "user_ex", List.of(0L, 1L, 2L, 3L, 4L, -1L, -6L, 1_000_001L),
            "user_event", List.of(0L, 4L, 8L, 12L, 15L, 16L, -1L, -13L));

    /**
     * Each key's row in its own shard (name "u&lt;key&gt;") and a decoy with the same key in every other shard (name
     * "decoy"): a statement sent to a wrong shard, or to the right server but the wrong database, finds a decoy.
     */
    private static void loadWithDecoys(String t) throws SQLException {
        createOnEveryShard(t, ddlOf(t));
        for (long k : POINT_KEYS.get(t)) {
            for (String shard : shards()) {
                String name = shard.equals(shardOf(t, k)) ? "u" + k : "decoy";
                executeDirect(shard, "INSERT INTO " + t + " (uid, name, score) VALUES (" + k + ", '" + name + "', 100)");
            }
        }
        awaitReplication();
    }

    /** uid|name|score of every row in each shard. */
    private static Map<String, Set<String>> snapshot(String t) throws SQLException {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<List<String>>> e : onEveryShard("SELECT uid, name, score FROM " + t).entrySet()) {
            Set<String> rows = new TreeSet<>();
            for (List<String> r : e.getValue()) rows.add(String.join("|", r));
            out.put(e.getKey(), rows);
        }
        return out;
    }

    @Test
    void pointReadsAndWritesByKeyTouchOnlyTheKeysShard() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String t : SHARDED) {
                loadWithDecoys(t);
                List<Long> keys = POINT_KEYS.get(t);
                for (long k : keys) {
                    assertThat(rows(c, "SELECT name, score FROM " + t + " WHERE uid = " + k)).as("%s uid = %d", t, k)
                            .containsExactly(List.of("u" + k, "100"));
                }
                for (int i = 0; i < keys.size(); i++) {
                    long k = keys.get(i);
                    Map<String, Set<String>> before = snapshot(t);
                    String shard = shardOf(t, k);
                    if (i % 2 == 0) {
                        assertThat(s.executeUpdate("UPDATE " + t + " SET score = score + 10 WHERE uid = " + k)).as("%s UPDATE uid = %d", t, k).isEqualTo(1);
                        before.get(shard).remove(k + "|u" + k + "|100");
                        before.get(shard).add(k + "|u" + k + "|110");
                    } else {
                        assertThat(s.executeUpdate("DELETE FROM " + t + " WHERE uid = " + k)).as("%s DELETE uid = %d", t, k).isEqualTo(1);
                        before.get(shard).remove(k + "|u" + k + "|100");
                    }
                    assertThat(snapshot(t)).as("%s after the write of uid = %d (shard %s)", t, k, shard).isEqualTo(before);
                }
                // a key without a row: nothing changes, count 0
                long absent = t.equals("user") ? 7 : 77;
                Map<String, Set<String>> before = snapshot(t);
                assertThat(s.executeUpdate("UPDATE " + t + " SET score = 0 WHERE uid = " + absent)).isZero();
                assertThat(s.executeUpdate("DELETE FROM " + t + " WHERE uid = " + absent)).isZero();
                assertThat(rows(c, "SELECT name FROM " + t + " WHERE uid = " + absent)).isEmpty();
                assertThat(snapshot(t)).isEqualTo(before);
            }
            // user's ranges cover 0 <= uid < 4000: a key outside is in no shard, so no row matches it
            assertThat(rows(c, "SELECT name FROM user WHERE uid = 5000")).isEmpty();
        }
    }

    @Test
    void keyedWritesOverSeveralShardsReportTheSumOfTheirCounts() throws SQLException {
        createOnEveryShard("user", USER_DDL);
        List<Long> keys = List.of(5L, 6L, 1500L, 2999L, 3000L);
        for (long k : keys) executeDirect(shardOf("user", k), "INSERT INTO user (uid, name, score) VALUES (" + k + ", 'u" + k + "', 1)");
        try (Connection c = connect(); Statement s = c.createStatement()) {
            assertThat(s.executeUpdate("UPDATE user SET score = 2 WHERE uid IN (5, 1500, 2999, 3001)")).isEqualTo(3);
            assertThat(s.executeUpdate("UPDATE user SET score = score + 1 WHERE uid BETWEEN 6 AND 3000")).isEqualTo(4);
            assertThat(s.executeUpdate("DELETE FROM user WHERE uid IN (6, 3000)")).isEqualTo(2);
        }
        Map<String, Set<String>> expected = new LinkedHashMap<>();
        for (String shard : shards()) expected.put(shard, new TreeSet<>());
        expected.get("s0").add("5|u5|2");
        expected.get("s1").add("1500|u1500|3");
        expected.get("s2").add("2999|u2999|3");
        assertThat(snapshot("user")).isEqualTo(expected);
    }

    // ------------------------------------------------------------------------------------------------ refusals

    private static void assertRefused(ThrowingCallable call, String... fragments) {
        assertThatThrownBy(call).isInstanceOfSatisfying(SQLException.class, e -> {
            assertThat(e.getErrorCode()).as("error code of: %s", e.getMessage()).isEqualTo(1235);
            assertThat(e.getMessage()).contains(fragments);
        });
    }

    @Test
    void unsupportedStatementsAreRefusedWith1235NamingTheReasonAndTheSessionGoesOn() throws SQLException {
        createOnEveryShard("user", USER_DDL);
        createOnEveryShard("user_ex", USER_EX_DDL);
        createOnEveryShard("city", CITY_DDL);
        executeDirect("s2", "INSERT INTO user (uid, name, score) VALUES (2500, 'u2500', 1)");
        awaitReplication();
        try (Connection c = connect(); Statement s = c.createStatement()) {
            assertRefused(() -> s.executeUpdate("INSERT INTO user (name, score) VALUES ('x', 1)"), "without a value for its sharding key uid");
            assertSessionWorks(c);
            assertRefused(() -> s.executeUpdate("UPDATE user SET uid = 7 WHERE uid = 2500"), "UPDATE of the sharding key uid");
            assertSessionWorks(c);
            assertRefused(() -> s.executeQuery("SELECT u.uid, e.uid FROM user u JOIN user_ex e ON u.name = e.name"), "JOIN", "user", "user_ex");
            assertSessionWorks(c);
            // user's ranges end at 4000 (docs/configuration.md: a statement that needs an uncovered key is refused)
            assertRefused(() -> s.executeUpdate("INSERT INTO user (uid, name) VALUES (5000, 'x')"), "no shard for uid = 5000");
            assertSessionWorks(c);
            // a broadcast write whose value each shard would compute for itself
            assertRefused(() -> s.executeUpdate("UPDATE city SET name = UUID()"), "broadcast", "UUID()");
            assertSessionWorks(c);
        }
        assertThat(direct("s2", "SELECT uid, name FROM user")).containsExactly(List.of("2500", "u2500"));
    }

    private static void assertSessionWorks(Connection c) throws SQLException {
        assertThat(scalar(c, "SELECT 40 + 2")).isEqualTo("42");
        assertThat(scalar(c, "SELECT name FROM user WHERE uid = 2500")).isEqualTo("u2500");
    }

    // ------------------------------------------------------------------------------------------------ logical schema

    @Test
    void theLogicalSchemaCanBeSelectedEveryWayAndNamedWhileAnotherDatabaseIsCurrent() throws SQLException {
        createOnEveryShard("user", USER_DDL);
        executeDirect("s0", "INSERT INTO user (uid, name, score) VALUES (5, 'u5', 1)");
        executeDirect("s2", "INSERT INTO user (uid, name, score) VALUES (2500, 'u2500', 1)");
        awaitReplication();

        try (Connection c = connect()) {   // in the URL
            assertThat(c.getCatalog()).isEqualTo("shop");
            assertThat(scalar(c, "SELECT name FROM user WHERE uid = 2500")).isEqualTo("u2500");
        }
        try (Connection c = connect(null); Statement s = c.createStatement()) {
            s.execute("USE shop");
            assertThat(scalar(c, "SELECT name FROM user WHERE uid = 5")).isEqualTo("u5");
            assertThat(scalar(c, "SELECT name FROM user WHERE uid = 2500")).isEqualTo("u2500");
        }
        try (Connection c = connect(null)) {   // COM_INIT_DB
            c.setCatalog("shop");
            assertThat(c.getCatalog()).isEqualTo("shop");
            assertThat(scalar(c, "SELECT name FROM user WHERE uid = 2500")).isEqualTo("u2500");
        }
        try (Connection c = connect("information_schema"); Statement s = c.createStatement()) {
            assertThat(scalar(c, "SELECT name FROM shop.user WHERE uid = 2500")).isEqualTo("u2500");
            assertThat(s.executeUpdate("INSERT INTO shop.user (uid, name, score) VALUES (1234, 'u1234', 1)")).isEqualTo(1);
            assertThat(scalar(c, "SELECT DATABASE()")).isEqualTo("information_schema");
            // information_schema is still current: its own tables answer unqualified
            assertThat(scalar(c, "SELECT COUNT(*) FROM SCHEMATA WHERE SCHEMA_NAME = 'information_schema'")).isEqualTo("1");
        }
        assertThat(direct("s1", "SELECT uid, name FROM user")).containsExactly(List.of("1234", "u1234"));
    }

    // ------------------------------------------------------------------------------------------------ sessions and errors

    /** SET statements are replayed on the shard connections: a user variable set once is seen by every shard. */
    @Test
    void userVariablesSetInTheSessionAreSeenByEveryShard() throws SQLException {
        createOnEveryShard("user", USER_DDL);
        for (long k : List.of(5L, 999L, 1500L, 2500L, 3500L)) {
            executeDirect(shardOf("user", k), "INSERT INTO user (uid, name, score) VALUES (" + k + ", 'u" + k + "', " + k / 10 + ")");
        }
        awaitReplication();
        try (Connection c = connect(); Statement s = c.createStatement()) {
            assertThat(scalar(c, "SELECT COUNT(*) FROM user")).isEqualTo("5");   // every shard connection is open now
            s.execute("SET @min = 100");
            assertThat(scalar(c, "SELECT COUNT(*) FROM user WHERE score > @min")).isEqualTo("3");
            assertThat(column(c, "SELECT uid FROM user WHERE score > @min ORDER BY uid")).containsExactly("1500", "2500", "3500");
            s.execute("SET @min = 200, @k = 3500");
            assertThat(column(c, "SELECT uid FROM user WHERE score > @min ORDER BY uid DESC")).containsExactly("3500", "2500");
            assertThat(scalar(c, "SELECT name FROM user WHERE uid = @k")).isEqualTo("u3500");
        }
    }

    /**
     * Documented (docs/architecture.md, known limits): a transaction lives on the default connection, which serves
     * both shards of the default group (s0 and s1 share g0's master); a write needing another group takes that
     * group in (XA) and is read there inside the transaction; plain SELECTs of groups it has not written run outside it.
     */
    @Test
    void aTransactionCoversTheDefaultGroupsShardsAndTakesInOtherGroupsItWritesTo() throws SQLException {
        createOnEveryShard("user", USER_DDL);
        executeDirect("s2", "INSERT INTO user (uid, name, score) VALUES (2500, 'u2500', 1)");
        awaitReplication();
        List<String> scatterInTransaction;
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("BEGIN");
            assertThat(s.executeUpdate("INSERT INTO user (uid, name, score) VALUES (5, 'u5', 1)")).isEqualTo(1);
            assertThat(s.executeUpdate("INSERT INTO user (uid, name, score) VALUES (1500, 'u1500', 1)")).isEqualTo(1);
            assertThat(column(c, "SELECT name FROM user WHERE uid = 1500")).containsExactly("u1500");   // its own write
            // another group's write takes that group into the transaction (XA)
            assertThat(s.executeUpdate("INSERT INTO user (uid, name, score) VALUES (2600, 'u2600', 1)")).isEqualTo(1);
            assertThat(column(c, "SELECT name FROM user WHERE uid = 2600")).as("read in its branch").containsExactly("u2600");
            // a scatter read runs outside the transaction (documented: committed rows only); checked at the end
            scatterInTransaction = column(c, "SELECT uid FROM user ORDER BY uid");
            s.execute("ROLLBACK");
            assertThat(direct("s0", "SELECT uid FROM user")).isEmpty();
            assertThat(direct("s1", "SELECT uid FROM user")).isEmpty();
            assertThat(direct("s2", "SELECT uid FROM user")).as("rolled back on g1 too").containsExactly(List.of("2500"));

            c.setAutoCommit(false);
            assertThat(s.executeUpdate("INSERT INTO user (uid, name, score) VALUES (5, 'u5', 1)")).isEqualTo(1);
            assertThat(s.executeUpdate("UPDATE user SET score = 2 WHERE uid = 5")).isEqualTo(1);
            assertThat(s.executeUpdate("INSERT INTO user (uid, name, score) VALUES (1500, 'u1500', 1)")).isEqualTo(1);
            assertThat(direct("s1", "SELECT uid FROM user")).as("not committed yet").isEmpty();
            c.commit();
            c.setAutoCommit(true);
        }
        assertThat(direct("s0", "SELECT uid, score FROM user")).containsExactly(List.of("5", "2"));
        assertThat(direct("s1", "SELECT uid FROM user")).containsExactly(List.of("1500"));
        assertThat(direct("s2", "SELECT uid FROM user")).containsExactly(List.of("2500"));
        // documented: committed rows only, [2500]; the transaction's view, [5, 1500, 2500], would be consistent too;
        // a mix of the two (one shard of g0 seen inside the transaction, the other outside) is not
        assertThat(scatterInTransaction).as("a scatter SELECT inside BEGIN after uncommitted inserts of 5 (s0) and 1500 (s1)")
                .isIn(List.of("2500"), List.of("5", "1500", "2500"));
    }

    /** Documented: writes to the default group's shards are in the transaction, whatever their database. */
    @Test
    void aWriteToBothShardsOfTheDefaultGroupRunsInsideTheTransaction() throws SQLException {
        createOnEveryShard("user", USER_DDL);
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("BEGIN");
            assertThat(s.executeUpdate("INSERT INTO user (uid, name, score) VALUES (5, 'u5', 1), (1500, 'u1500', 1)")).isEqualTo(2);
            assertThat(s.executeUpdate("UPDATE user SET score = 3 WHERE uid IN (5, 1500)")).isEqualTo(2);
            s.execute("ROLLBACK");
        }
        assertThat(direct("s0", "SELECT uid FROM user")).isEmpty();
        assertThat(direct("s1", "SELECT uid FROM user")).isEmpty();
    }

    /** Transaction statements hidden behind comments, SETs made beside a transaction, a read-only one before. */
    @Test
    void transactionsSurviveCommentsSetsBesideThemAndAReadOnlyPredecessor() throws SQLException {
        createOnEveryShard("user", USER_DDL);
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("/* app */ BEGIN");
            s.executeUpdate("INSERT INTO user (uid, name, score) VALUES (5, 'u5', 1)");
            s.execute("COMMIT /* done */");
            s.execute("BEGIN");
            s.executeUpdate("INSERT INTO user (uid, name, score) VALUES (2500, 'before', 1)");
            s.execute("SET @v = 'hello'"); // beside the transaction, on the default connection
            assertThat(s.executeUpdate("UPDATE user SET name = @v WHERE uid = 2500")).isEqualTo(1);
            s.execute("COMMIT");
            s.execute("START TRANSACTION READ ONLY");
            assertThat(column(c, "SELECT name FROM user WHERE uid = 5")).containsExactly("u5");
            s.execute("COMMIT");
            c.setAutoCommit(false); // its transactions must not inherit READ ONLY
            s.executeUpdate("INSERT INTO user (uid, name, score) VALUES (6, 'u6', 1)");
            c.commit();
            c.setAutoCommit(true);
        }
        assertThat(direct("s0", "SELECT uid FROM user ORDER BY uid")).containsExactly(List.of("5"), List.of("6"));
        assertThat(direct("s2", "SELECT name FROM user WHERE uid = 2500")).containsExactly(List.of("hello"));
    }

    /** What names databases speaks of the logical schema, not of the shards' databases. */
    @Test
    void databaseAndShowDatabasesNameTheLogicalSchema() throws SQLException {
        try (Connection c = connect()) {
            assertThat(scalar(c, "SELECT DATABASE()")).isEqualTo("shop");
            List<String> dbs = column(c, "SHOW DATABASES");
            assertThat(dbs).contains("shop", "mysql", "information_schema").doesNotContain("sg_db_0", "sg_db_1");
            assertThat(dbs).isSorted();
            try (Statement s = c.createStatement()) {
                s.execute("USE information_schema");
            }
            assertThat(scalar(c, "select database()")).isEqualTo("information_schema");
            assertThat(c.getMetaData().getCatalogs()).isNotNull();
        }
    }

    /** What IDEs call: tables and columns of the logical schema through DatabaseMetaData. */
    @Test
    void databaseMetaDataListsTheLogicalSchemasTablesAndColumns() throws SQLException {
        createOnEveryShard("user", USER_DDL);
        try (Connection c = connect()) {
            java.sql.DatabaseMetaData md = c.getMetaData();
            List<String> tables = new java.util.ArrayList<>();
            try (java.sql.ResultSet rs = md.getTables("shop", null, "%", null)) {
                while (rs.next()) tables.add(rs.getString("TABLE_NAME"));
            }
            assertThat(tables).contains("user");
            List<String> columns = new java.util.ArrayList<>();
            try (java.sql.ResultSet rs = md.getColumns("shop", null, "user", "%")) {
                while (rs.next()) columns.add(rs.getString("COLUMN_NAME"));
            }
            assertThat(columns).containsExactly("uid", "name", "score", "created");
            try (java.sql.ResultSet rs = md.getPrimaryKeys("shop", null, "user")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("COLUMN_NAME")).isEqualTo("uid");
            }
        }
    }

    /** Statements that run without the default connection still leave their warnings where SHOW WARNINGS looks. */
    @Test
    void showWarningsAfterAStatementOnTheDefaultGroupOrAShardSeesItsWarnings() throws SQLException {
        createOnEveryShard("user", USER_DDL);
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.executeQuery("SELECT CAST('abc' AS SIGNED)").close(); // no tables: the default group's master
            assertThat(rows(c, "SHOW WARNINGS").toString()).contains("abc");
            s.executeQuery("SELECT 1").close();
            assertThat(rows(c, "SHOW WARNINGS")).as("the last statement left none").isEmpty();
            s.executeUpdate("INSERT INTO user (uid, name, score) VALUES (5, 'u5', 1)");
            s.executeQuery("SELECT CAST(name AS SIGNED) FROM user WHERE uid = 5").close(); // shard s0, on g0
            assertThat(rows(c, "SHOW WARNINGS").toString()).contains("u5");
        }
    }

    /** A transaction belongs to the group of its first statement, here g1 (not the default group). */
    @Test
    void aTransactionOnAnotherGroupIsPinnedThereAndCommitsOrRollsBackAsOne() throws SQLException {
        createOnEveryShard("user", USER_DDL);
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("BEGIN");
            assertThat(s.executeUpdate("INSERT INTO user (uid, name, score) VALUES (2500, 'u2500', 1)")).isEqualTo(1);
            assertThat(s.executeUpdate("INSERT INTO user (uid, name, score) VALUES (3500, 'u3500', 1)")).isEqualTo(1);
            assertThat(column(c, "SELECT name FROM user WHERE uid = 3500")).containsExactly("u3500"); // its own write
            s.execute("SAVEPOINT before_update");
            assertThat(s.executeUpdate("UPDATE user SET score = 9 WHERE uid = 2500")).isEqualTo(1);
            s.execute("ROLLBACK TO SAVEPOINT before_update");
            assertThat(column(c, "SELECT score FROM user WHERE uid = 2500")).containsExactly("1");
            assertRefused(() -> s.executeUpdate("INSERT INTO user (uid, name, score) VALUES (5, 'u5', 1)"),
                    "transaction on group g1", "COMMIT or ROLLBACK first");
            assertThat(direct("s3", "SELECT uid FROM user")).as("not committed yet").isEmpty();
            s.execute("ROLLBACK");
        }
        assertThat(direct("s2", "SELECT uid FROM user")).isEmpty();
        assertThat(direct("s3", "SELECT uid FROM user")).isEmpty();

        try (Connection c = connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.executeUpdate("INSERT INTO user (uid, name, score) VALUES (2500, 'u2500', 1), (3500, 'u3500', 1)");
            assertThat(direct("s2", "SELECT uid FROM user")).as("not committed yet").isEmpty();
            c.commit();
            // autocommit still off: the next transaction may be on another group
            s.executeUpdate("INSERT INTO user (uid, name, score) VALUES (5, 'u5', 1)");
            c.rollback();
            c.setAutoCommit(true);
            assertThat(s.executeUpdate("INSERT INTO user (uid, name, score) VALUES (1500, 'u1500', 1)")).isEqualTo(1);
        }
        assertThat(direct("s2", "SELECT uid FROM user")).containsExactly(List.of("2500"));
        assertThat(direct("s3", "SELECT uid FROM user")).containsExactly(List.of("3500"));
        assertThat(direct("s0", "SELECT uid FROM user")).as("rolled back").isEmpty();
        assertThat(direct("s1", "SELECT uid FROM user")).as("autocommit on again").containsExactly(List.of("1500"));
    }

    @Test
    void aScatterReadFailingOnTheShardsGetsTheShardsErrorAndTheSessionGoesOn() throws SQLException {
        createOnEveryShard("user", USER_DDL);
        executeDirect("s2", "INSERT INTO user (uid, name, score) VALUES (2500, 'u2500', 1)");
        awaitReplication();
        try (Connection c = connect(); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> rows(c, "SELECT nosuch FROM user"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getErrorCode()).isEqualTo(1054);
                        assertThat(e.getMessage()).contains("nosuch", "[shardgate: from shard");
                    });
            assertSessionWorks(c);
            assertThat(scalar(c, "SELECT COUNT(*) FROM user")).isEqualTo("1");
        }
    }

    @Test
    void aSplitInsertFailingOnOneShardSaysWhereItWasApplied() throws SQLException {
        createOnEveryShard("user", USER_DDL);
        executeDirect("s2", "INSERT INTO user (uid, name, score) VALUES (2500, 'u2500', 1)");
        awaitReplication();
        try (Connection c = connect(); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeUpdate("INSERT INTO user (uid, name, score) VALUES (5, 'u5', 1), (2500, 'dup', 2)"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getErrorCode()).isEqualTo(1062);
                        assertThat(e.getMessage()).contains("Duplicate entry", "failed on s2", "APPLIED on s0");
                    });
            assertSessionWorks(c);
        }
        assertThat(direct("s0", "SELECT uid, name FROM user")).containsExactly(List.of("5", "u5"));
        assertThat(direct("s2", "SELECT uid, name FROM user")).containsExactly(List.of("2500", "u2500"));
    }

    /**
     * Statements are rewritten (table names spliced, INSERT tuples split) in text that holds multi-byte characters,
     * including a character outside the BMP (two UTF-16 chars, four UTF-8 bytes): offsets must not slip.
     */
    @Test
    void rewritingKeepsMultiByteTextIntact() throws SQLException {
        createOnEveryShard("user", USER_DDL);
        createOnEveryShard("city", CITY_DDL);
        awaitReplication();
        String[] names = {"Zoë", "李雷", "😀x😀", "naïve ☃"};
        try (Connection c = connect(); Statement s = c.createStatement()) {
            assertThat(s.executeUpdate("INSERT /* ünïcödé 😀 */ INTO user (uid, name, score) VALUES (5, '" + names[0] + "', 1), "
                    + "(1500, '" + names[1] + "', 2), (2500, '" + names[2] + "', 3), (3500, '" + names[3] + "', 4)")).isEqualTo(4);
            assertThat(s.executeUpdate("UPDATE /* 😀 é */ user SET name = CONCAT(name, '✓') WHERE uid = 2500")).isEqualTo(1);
            assertThat(s.executeUpdate("INSERT INTO city (id, name, pop) VALUES (1, '😀 Zürich', 1)")).isEqualTo(1);
            assertThat(scalar(c, "SELECT /* ü */ name FROM user WHERE uid = 2500")).isEqualTo(names[2] + "✓");
            assertThat(rows(c, "SELECT name, uid FROM user WHERE name <> '😀' ORDER BY uid")).extracting(r -> r.get(0))
                    .containsExactly(names[0], names[1], names[2] + "✓", names[3]);
        }
        assertThat(direct("s0", "SELECT name FROM user")).containsExactly(List.of(names[0]));
        assertThat(direct("s1", "SELECT name FROM user")).containsExactly(List.of(names[1]));
        assertThat(direct("s2", "SELECT name FROM user")).containsExactly(List.of(names[2] + "✓"));
        assertThat(direct("s3", "SELECT name FROM user")).containsExactly(List.of(names[3]));
        assertThat(onEveryShard("SELECT name FROM city").values()).allSatisfy(r -> assertThat(r).containsExactly(List.of("😀 Zürich")));
    }

    /** The way Java applications write: client-side prepared statements, and batches rewritten into one INSERT. */
    @Test
    void preparedStatementsAndRewrittenBatchesRouteByTheBoundKey() throws SQLException {
        createOnEveryShard("user_ex", USER_EX_DDL);
        awaitReplication();
        List<Long> keys = new ArrayList<>();
        try (Connection c = java.sql.DriverManager.getConnection(SharedShardedProxy.url("rewriteBatchedStatements=true"),
                SharedShardedProxy.USER, SharedShardedProxy.PASSWORD);
             java.sql.PreparedStatement ins = c.prepareStatement("INSERT INTO user_ex (uid, name, score) VALUES (?, ?, ?)");
             java.sql.PreparedStatement get = c.prepareStatement("SELECT name FROM user_ex WHERE uid = ?")) {
            for (long k = 100; k < 110; k++) {
                ins.setLong(1, k);
                ins.setString(2, "p" + k);
                ins.setInt(3, 1);
                assertThat(ins.executeUpdate()).isEqualTo(1);
                keys.add(k);
            }
            for (long k = 200; k < 260; k++) {
                ins.setLong(1, k);
                ins.setString(2, "p" + k);
                ins.setInt(3, 2);
                ins.addBatch();
                keys.add(k);
            }
            int[] counts = ins.executeBatch();
            assertThat(counts).hasSize(60);
            for (long k : List.of(100L, 103L, 205L, 259L)) {
                get.setLong(1, k);
                try (java.sql.ResultSet rs = get.executeQuery()) {
                    assertThat(ShardSql.rows(rs)).as("uid %d", k).containsExactly(List.of("p" + k));
                }
            }
        }
        // server-side prepared statements: executed by the proxy as text with the bound values, routed by them
        try (Connection c = java.sql.DriverManager.getConnection(SharedShardedProxy.url("useServerPrepStmts=true"),
                SharedShardedProxy.USER, SharedShardedProxy.PASSWORD);
             java.sql.PreparedStatement get = c.prepareStatement("SELECT name FROM user_ex WHERE uid = ?")) {
            get.setLong(1, 207);
            try (java.sql.ResultSet rs = get.executeQuery()) {
                assertThat(ShardSql.rows(rs)).containsExactly(List.of("p207"));
            }
        }
        for (String shard : shards()) {
            Set<String> expected = keys.stream().filter(k -> shardOf("user_ex", k).equals(shard)).map(String::valueOf)
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(new TreeSet<>(column(SharedShardedProxy.direct(shard), "SELECT uid FROM user_ex")))
                    .as("user_ex rows in %s", shard).isEqualTo(expected);
        }
    }

    /** Several clients at once, each checking its answers, over the same shard connections' servers. */
    @Test
    void concurrentClientsEachGetTheirOwnAnswers() throws Exception {
        createOnEveryShard("user", USER_DDL);
        Map<String, List<String>> byShard = new LinkedHashMap<>();
        for (long k = 0; k < 4000; k += 10) {
            byShard.computeIfAbsent(shardOf("user", k), x -> new ArrayList<>())
                    .add("(" + k + ", 'u" + k + "', " + (k % 100) + ")");
        }
        for (Map.Entry<String, List<String>> e : byShard.entrySet()) {
            executeDirect(e.getKey(), "INSERT INTO user (uid, name, score) VALUES " + String.join(", ", e.getValue()));
        }
        awaitReplication();
        int threads = 8;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                done.add(pool.submit(() -> {
                    Random rnd = new Random(seed);
                    int checked = 0;
                    try (Connection c = connect()) {
                        for (int i = 0; i < 40; i++) {
                            long k = rnd.nextInt(400) * 10L;
                            switch (i % 4) {
                                case 0 -> assertThat(scalar(c, "SELECT name FROM user WHERE uid = " + k)).isEqualTo("u" + k);
                                case 1 -> assertThat(scalar(c, "SELECT COUNT(*) FROM user")).isEqualTo("400");
                                case 2 -> assertThat(column(c, "SELECT uid FROM user WHERE uid >= " + k + " ORDER BY uid LIMIT 3"))
                                        .isEqualTo(java.util.stream.LongStream.iterate(k, x -> x + 10).limit(3)
                                                .filter(x -> x < 4000).mapToObj(String::valueOf).toList());
                                default -> assertThat(scalar(c, "SELECT SUM(score) FROM user WHERE uid < " + k))
                                        .isEqualTo(k == 0 ? null : String.valueOf(java.util.stream.LongStream.iterate(0, x -> x + 10)
                                                .limit(k / 10).map(x -> x % 100).sum()));
                            }
                            checked++;
                        }
                    }
                    return checked;
                }));
            }
            for (java.util.concurrent.Future<Integer> f : done) {
                assertThat(f.get(60, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(40);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** SHOW/DESCRIBE of a sharded table are answered by one of its shards (the definitions are the same). */
    @Test
    void describeAndShowOfShardedTablesAreAnsweredByAShard() throws SQLException {
        createOnEveryShard("user", USER_DDL);
        createOnEveryShard("user_ex", USER_EX_DDL);
        awaitReplication();
        try (Connection c = connect()) {
            assertThat(column(c, "SHOW COLUMNS FROM user")).containsExactly("uid", "name", "score", "created");
            assertThat(rows(c, "SHOW CREATE TABLE user").get(0).get(1)).isEqualTo(direct("s0", "SHOW CREATE TABLE user").get(0).get(1));
            assertThat(column(c, "DESCRIBE user_ex")).containsExactly("uid", "name", "score", "created");
            assertThat(column(c, "DESCRIBE `user`")).containsExactly("uid", "name", "score", "created");
            assertThat(column(c, "DESCRIBE user")).containsExactly("uid", "name", "score", "created");
            assertThat(column(c, "DESC user")).containsExactly("uid", "name", "score", "created");
        }
    }

    // ------------------------------------------------------------------------------------------------ unlisted tables

    @Test
    void unlistedTablesLiveOnlyInTheDefaultShard() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS notes");
            s.execute("CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(100))");
            assertThat(whereIs("notes")).containsExactly("s0");
            assertThat(s.executeUpdate("INSERT INTO notes (id, body) VALUES (1, 'first'), (2, 'second')")).isEqualTo(2);
            assertThat(s.executeUpdate("INSERT INTO notes VALUES (3, 'third')")).isEqualTo(1);
            assertThat(column(c, "SELECT body FROM notes ORDER BY id")).containsExactly("first", "second", "third");
            assertThat(direct("s0", "SELECT id, body FROM notes ORDER BY id"))
                    .containsExactly(List.of("1", "first"), List.of("2", "second"), List.of("3", "third"));
            s.execute("DROP TABLE notes");
            assertThat(whereIs("notes")).isEmpty();
        }
    }
}

package io.shardgate.it;

import io.shardgate.rules.Endpoint;
import io.shardgate.rules.GroupDef;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small JDBC helpers of the sharding tests: rows as lists of strings, and SQL run straight on the shards. */
final class ShardSql {
    private ShardSql() {}

    /** Every row of {@code sql}, each as its columns' {@code getString} values (nulls kept). */
    static List<List<String>> rows(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rows(rs);
        }
    }

    static List<List<String>> rows(ResultSet rs) throws SQLException {
        int n = rs.getMetaData().getColumnCount();
        List<List<String>> out = new ArrayList<>();
        while (rs.next()) {
            List<String> row = new ArrayList<>(n);
            for (int i = 1; i <= n; i++) row.add(rs.getString(i));
            out.add(row);
        }
        return out;
    }

    static List<String> labels(ResultSetMetaData md) throws SQLException {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) out.add(md.getColumnLabel(i));
        return out;
    }

    /** The first column of every row. */
    static List<String> column(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        for (List<String> r : rows(c, sql)) out.add(r.get(0));
        return out;
    }

    static String scalar(Connection c, String sql) throws SQLException {
        List<List<String>> r = rows(c, sql);
        if (r.size() != 1) throw new AssertionError(sql + " returned " + r.size() + " rows, expected 1: " + r);
        return r.get(0).get(0);
    }

    /** {@code sql} run straight on {@code shard}'s master, its database selected. */
    static List<List<String>> direct(String shard, String sql) throws SQLException {
        try (Connection d = SharedShardedProxy.direct(shard)) {
            return rows(d, sql);
        }
    }

    static void executeDirect(String shard, String... sql) throws SQLException {
        try (Connection d = SharedShardedProxy.direct(shard); Statement s = d.createStatement()) {
            for (String q : sql) s.execute(q);
        }
    }

    /**
     * Creates {@code table} straight on every shard (dropping it first), bypassing the proxy: the tests of routing
     * use this so that they do not depend on DDL fan-out, which has its own test.
     */
    static void createOnEveryShard(String table, String ddl) throws SQLException {
        for (String shard : SharedShardedProxy.shards()) {
            executeDirect(shard, "DROP TABLE IF EXISTS " + table, ddl);
        }
    }

    /**
     * Waits until every replica of every group has applied all its master has written (MariaDB GTIDs), so that what
     * a test wrote straight on a master is seen by reads the proxy may send to replicas.
     */
    static void awaitReplication() throws SQLException {
        for (GroupDef g : SharedShardedProxy.map().groups().values()) {
            String pos;
            try (Connection m = SharedProxy.direct(g.master(), null)) {
                pos = scalar(m, "SELECT @@gtid_binlog_pos");
            }
            if (pos == null || pos.isEmpty()) continue;
            for (Endpoint replica : g.replicas()) {
                try (Connection r = SharedProxy.direct(replica, null)) {
                    String waited = scalar(r, "SELECT MASTER_GTID_WAIT('" + pos + "', 30)");
                    if (!"0".equals(waited)) {
                        throw new AssertionError("replica " + replica + " of " + g.name() + " did not reach " + pos + " in 30 s");
                    }
                }
            }
        }
    }

    /** Shard name -> the result of {@code sql} run straight on it, for every shard in order. */
    static Map<String, List<List<String>>> onEveryShard(String sql) throws SQLException {
        Map<String, List<List<String>>> out = new LinkedHashMap<>();
        for (String shard : SharedShardedProxy.shards()) out.put(shard, direct(shard, sql));
        return out;
    }
}

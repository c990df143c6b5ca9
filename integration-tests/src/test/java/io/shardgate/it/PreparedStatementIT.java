package io.shardgate.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Time;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Server-side prepared statements (Connector/J useServerPrepStmts=true): COM_STMT_PREPARE, EXECUTE with the
 * binary protocol, SEND_LONG_DATA, RESET, CLOSE; every common column type both ways, NULLs, a large BLOB sent as
 * long data, cached statements executed with new values, and on the sharded proxy, routing by the bound key.
 */
@ExtendWith({SharedProxy.class, SharedShardedProxy.class})
class PreparedStatementIT {
    static final String PS = "useServerPrepStmts=true&cachePrepStmts=true&prepStmtCacheSqlLimit=2048";

    static Connection connect() throws SQLException {
        return DriverManager.getConnection(SharedProxy.url("it_ps", PS), SharedProxy.USER, SharedProxy.PASSWORD);
    }

    static void createTypesTable() throws SQLException {
        try (Connection c = SharedProxy.connect(null); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS it_ps CHARACTER SET utf8mb4");
            s.execute("DROP TABLE IF EXISTS it_ps.types");
            s.execute("CREATE TABLE it_ps.types (id INT PRIMARY KEY, ti TINYINT, si SMALLINT, mi MEDIUMINT, i INT,"
                    + " bi BIGINT, ubi BIGINT UNSIGNED, f FLOAT, d DOUBLE, dec1 DECIMAL(14,3), s VARCHAR(60), t TEXT,"
                    + " b BLOB, lb LONGBLOB, dt DATE, dtm DATETIME(6), ts TIMESTAMP(3) NULL, tm TIME(3), y YEAR, bits BIT(8),"
                    + " e ENUM('a','b'))");
        }
    }

    @Test
    void everyCommonTypeRoundTripsThroughTheBinaryProtocol() throws Exception {
        createTypesTable();
        String text = "it's a \\\\ \"test\" ✓ 😀";
        try (Connection c = connect();
             PreparedStatement ins = c.prepareStatement("INSERT INTO types (id, ti, si, mi, i, bi, ubi, f, d, dec1, s, t, b,"
                     + " dt, dtm, ts, tm, y, bits, e) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ins.setInt(1, 1);
            ins.setByte(2, (byte) -128);
            ins.setShort(3, (short) -32768);
            ins.setInt(4, -8388608);
            ins.setInt(5, Integer.MIN_VALUE);
            ins.setLong(6, Long.MIN_VALUE);
            ins.setBigDecimal(7, new BigDecimal("18446744073709551615"));
            ins.setFloat(8, 0.1f);
            ins.setDouble(9, -1.0e-300);
            ins.setBigDecimal(10, new BigDecimal("-12345678901.125"));
            ins.setString(11, text);
            ins.setString(12, "x".repeat(5000));
            ins.setBytes(13, new byte[]{0, 1, (byte) 0xff, '\'', '\\'});
            ins.setDate(14, Date.valueOf("2024-02-29"));
            // whole seconds: Connector/J drops fractions for servers announcing 5.5.5-... (MariaDB's version prefix),
            // directly as through the proxy; fractions are read back below after a direct UPDATE
            ins.setTimestamp(15, Timestamp.valueOf("2024-02-29 23:59:58"));
            ins.setTimestamp(16, Timestamp.valueOf("2001-09-09 01:46:40"));
            ins.setTime(17, Time.valueOf("13:14:15"));
            ins.setInt(18, 2024);
            ins.setBytes(19, new byte[]{(byte) 0xa5});
            ins.setString(20, "b");
            assertThat(ins.executeUpdate()).isEqualTo(1);
            // the same statement again, every parameter NULL but the key
            ins.setInt(1, 2);
            for (int i = 2; i <= 20; i++) ins.setNull(i, Types.NULL);
            assertThat(ins.executeUpdate()).isEqualTo(1);
        }
        // what the server holds, read as text straight from it
        try (Connection c = SharedProxy.direct(SharedSandbox.get().groups().get(0).master(), "it_ps");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT s, HEX(b), CAST(dtm AS CHAR), ubi, CAST(ts AS CHAR), CAST(tm AS CHAR) FROM types WHERE id = 1")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(text);
            assertThat(rs.getString(2)).isEqualTo("0001FF275C");
            assertThat(rs.getString(3)).isEqualTo("2024-02-29 23:59:58.000000");
            assertThat(rs.getString(4)).isEqualTo("18446744073709551615");
            assertThat(rs.getString(5)).isEqualTo("2001-09-09 01:46:40.000");
            assertThat(rs.getString(6)).isEqualTo("13:14:15.000");
            s.execute("UPDATE types SET dtm = '2024-02-29 23:59:58.123456', ts = '2001-09-09 01:46:40.5', tm = '12:34:56.25'"
                    + " WHERE id = 1");
        }
        try (Connection c = connect();
             PreparedStatement sel = c.prepareStatement("SELECT ti, si, mi, i, bi, ubi, f, d, dec1, s, t, b, dt, dtm, ts, tm, y,"
                     + " bits, e FROM types WHERE id = ?")) {
            sel.setInt(1, 1);
            try (ResultSet rs = sel.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getByte(1)).isEqualTo((byte) -128);
                assertThat(rs.getShort(2)).isEqualTo((short) -32768);
                assertThat(rs.getInt(3)).isEqualTo(-8388608);
                assertThat(rs.getInt(4)).isEqualTo(Integer.MIN_VALUE);
                assertThat(rs.getLong(5)).isEqualTo(Long.MIN_VALUE);
                assertThat(rs.getBigDecimal(6)).isEqualByComparingTo("18446744073709551615");
                assertThat(rs.getFloat(7)).isEqualTo(0.1f);
                assertThat(rs.getDouble(8)).isEqualTo(-1.0e-300);
                assertThat(rs.getBigDecimal(9)).isEqualByComparingTo("-12345678901.125");
                assertThat(rs.getString(10)).isEqualTo(text);
                assertThat(rs.getString(11)).isEqualTo("x".repeat(5000));
                assertThat(rs.getBytes(12)).containsExactly(0, 1, (byte) 0xff, '\'', '\\');
                assertThat(rs.getDate(13)).isEqualTo(Date.valueOf("2024-02-29"));
                assertThat(rs.getTimestamp(14)).isEqualTo(Timestamp.valueOf("2024-02-29 23:59:58.123456"));
                assertThat(rs.getTimestamp(15)).isEqualTo(Timestamp.valueOf("2001-09-09 01:46:40.5"));
                assertThat(rs.getString(16)).isEqualTo("12:34:56.250"); // Connector/J reads TIME as a time of day (no sign, no days)
                assertThat(rs.getInt(17)).isEqualTo(2024);
                assertThat(rs.getBytes(18)).containsExactly((byte) 0xa5);
                assertThat(rs.getString(19)).isEqualTo("b");
                assertThat(rs.next()).isFalse();
            }
            sel.setInt(1, 2);
            try (ResultSet rs = sel.executeQuery()) {
                assertThat(rs.next()).isTrue();
                for (int i = 1; i <= 19; i++) {
                    assertThat(rs.getObject(i)).as("column %d", i).isNull();
                }
            }
        }
    }

    @Test
    void aLargeBlobSentAsLongDataArrivesWhole() throws Exception {
        createTypesTable();
        byte[] blob = new byte[3 << 20];
        new Random(7).nextBytes(blob);
        try (Connection c = connect();
             PreparedStatement ins = c.prepareStatement("INSERT INTO types (id, lb) VALUES (?, ?)")) {
            ins.setInt(1, 10);
            ins.setBinaryStream(2, new ByteArrayInputStream(blob), blob.length); // COM_STMT_SEND_LONG_DATA
            assertThat(ins.executeUpdate()).isEqualTo(1);
        }
        String sha = HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-256").digest(blob));
        try (Connection c = connect(); PreparedStatement sel = c.prepareStatement("SELECT lb, SHA2(lb, 256) FROM types WHERE id = ?")) {
            sel.setInt(1, 10);
            try (ResultSet rs = sel.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getBytes(1)).isEqualTo(blob);
                assertThat(rs.getString(2).toUpperCase()).isEqualTo(sha);
            }
        }
    }

    @Test
    void onTheShardedProxyEachExecutionIsRoutedByItsBoundKey() throws SQLException {
        ShardSql.createOnEveryShard("user", ShardingIT.USER_DDL);
        List<Long> keys = List.of(5L, 999L, 1000L, 2500L, 3999L);
        try (Connection c = DriverManager.getConnection(SharedShardedProxy.url(PS), SharedShardedProxy.USER, SharedShardedProxy.PASSWORD)) {
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO user (uid, name, score) VALUES (?, ?, ?)")) {
                for (long k : keys) {
                    ins.setLong(1, k);
                    ins.setString(2, "n" + k);
                    ins.setInt(3, (int) (k % 7));
                    assertThat(ins.executeUpdate()).isEqualTo(1);
                }
            }
            try (PreparedStatement get = c.prepareStatement("SELECT name FROM user WHERE uid = ?")) {
                for (long k : keys) {
                    get.setLong(1, k);
                    try (ResultSet rs = get.executeQuery()) {
                        assertThat(ShardSql.rows(rs)).containsExactly(List.of("n" + k));
                    }
                }
            }
            // across shards: merged, then sent in the binary protocol
            try (PreparedStatement scan = c.prepareStatement("SELECT uid, score FROM user WHERE uid >= ? ORDER BY uid DESC LIMIT ?")) {
                scan.setLong(1, 999);
                scan.setInt(2, 3);
                try (ResultSet rs = scan.executeQuery()) {
                    assertThat(ShardSql.rows(rs)).containsExactly(List.of("3999", "2"), List.of("2500", "1"), List.of("1000", "6"));
                }
            }
            try (PreparedStatement count = c.prepareStatement("SELECT COUNT(*), SUM(score), AVG(score) FROM user WHERE uid < ?")) {
                count.setLong(1, 3000);
                try (ResultSet rs = count.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getLong(1)).isEqualTo(4);
                    assertThat(rs.getLong(2)).isEqualTo(5 + 5 + 6 + 1);
                    assertThat(rs.getBigDecimal(3)).isEqualByComparingTo("4.25");
                }
            }
        }
        for (long k : keys) {
            String shard = SharedShardedProxy.shardOf("user", k);
            assertThat(ShardSql.direct(shard, "SELECT name FROM user WHERE uid = " + k)).as("uid %d in %s", k, shard)
                    .containsExactly(List.of("n" + k));
        }
    }
}

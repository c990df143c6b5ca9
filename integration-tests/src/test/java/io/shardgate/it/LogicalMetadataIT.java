package io.shardgate.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static io.shardgate.it.ShardSql.column;
import static io.shardgate.it.ShardSql.createOnEveryShard;
import static io.shardgate.it.ShardSql.executeDirect;
import static io.shardgate.it.ShardSql.rows;
import static io.shardgate.it.SharedShardedProxy.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What clients and database tools see of the logical schema {@code shop} through Connector/J: error messages,
 * result metadata and information_schema name it, never the shards' databases ({@code sg_db_0..3}).
 */
@ExtendWith(SharedShardedProxy.class)
class LogicalMetadataIT {

    private static void assertErrorNamesTheLogicalSchema(Connection c, String sql, int code, String... fragments) {
        assertThatThrownBy(() -> rows(c, sql)).as(sql).isInstanceOfSatisfying(SQLException.class, e -> {
            assertThat(e.getErrorCode()).isEqualTo(code);
            assertThat(e.getMessage()).contains(fragments).doesNotContain("sg_db_");
        });
    }

    @Test
    void errorsFromShardsNameTheLogicalSchema() throws SQLException {
        createOnEveryShard("user", ShardingIT.USER_DDL);
        try (Connection c = connect()) {
            // the default shard (a statement for one place, relayed)
            assertErrorNamesTheLogicalSchema(c, "SELECT * FROM nosuch", 1146, "'shop.nosuch'");
            // a shard of another group, picked by the key
            executeDirect("s2", "DROP TABLE user");
            try {
                assertErrorNamesTheLogicalSchema(c, "SELECT * FROM user WHERE uid = 2500", 1146, "'shop.user'");
                // a scatter read: the shard's message, then the proxy's note of which shard
                assertErrorNamesTheLogicalSchema(c, "SELECT COUNT(*) FROM user", 1146, "'shop.user'", "[shardgate: from shard s2");
            } finally {
                createOnEveryShard("user", ShardingIT.USER_DDL);
            }
            assertErrorNamesTheLogicalSchema(c, "SELECT nosuch FROM shop.user WHERE uid = 5", 1054, "nosuch");
            assertThat(column(c, "SELECT COUNT(*) FROM user")).containsExactly("0");
        }
    }

    @Test
    void showTablesHeadsItsColumnWithTheLogicalSchema() throws SQLException {
        createOnEveryShard("user", ShardingIT.USER_DDL);
        for (String sql : List.of("SHOW TABLES", "SHOW FULL TABLES", "SHOW TABLES FROM shop")) {
            try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                assertThat(rs.getMetaData().getColumnLabel(1)).as(sql).isEqualTo("Tables_in_shop");
                List<String> tables = new ArrayList<>();
                while (rs.next()) tables.add(rs.getString(1));
                assertThat(tables).as(sql).contains("user");
            }
        }
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW TABLES LIKE 'us%'")) {
            assertThat(rs.getMetaData().getColumnLabel(1)).isEqualTo("Tables_in_shop (us%)");
        }
    }

    @Test
    void resultColumnsBelongToTheLogicalSchema() throws SQLException {
        createOnEveryShard("user", ShardingIT.USER_DDL);
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO user (uid, name, score) VALUES (5, 'a', 1), (2500, 'b', 2)");
            for (String sql : List.of("SELECT uid FROM user WHERE uid = 5", "SELECT uid FROM user WHERE uid = 2500",
                    "SELECT uid FROM user ORDER BY uid")) {
                try (ResultSet rs = s.executeQuery(sql)) {
                    ResultSetMetaData md = rs.getMetaData();
                    assertThat(md.getCatalogName(1)).as(sql).isEqualTo("shop");
                    assertThat(md.getTableName(1)).as(sql).isEqualTo("user");
                    assertThat(rs.next()).isTrue();
                }
            }
            try (var ps = c.prepareStatement("SELECT name FROM user WHERE uid = ?")) {
                ps.setLong(1, 2500);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.getMetaData().getCatalogName(1)).isEqualTo("shop");
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).as("the rows are untouched").isEqualTo("b");
                }
            }
        }
    }

    @Test
    void informationSchemaAnswersForTheLogicalSchema() throws SQLException {
        createOnEveryShard("user", ShardingIT.USER_DDL);
        String url = SharedShardedProxy.url("useInformationSchema=true");
        try (Connection c = DriverManager.getConnection(url, SharedShardedProxy.USER, SharedShardedProxy.PASSWORD)) {
            DatabaseMetaData md = c.getMetaData();
            List<List<String>> tables = new ArrayList<>();
            try (ResultSet rs = md.getTables("shop", null, "%", new String[]{"TABLE"})) {
                while (rs.next()) tables.add(List.of(rs.getString("TABLE_CAT"), rs.getString("TABLE_NAME")));
            }
            assertThat(tables).contains(List.of("shop", "user"));
            assertThat(tables).allSatisfy(t -> assertThat(t.get(0)).isEqualTo("shop"));
            List<String> columns = new ArrayList<>();
            try (ResultSet rs = md.getColumns("shop", null, "user", "%")) {
                while (rs.next()) {
                    assertThat(rs.getString("TABLE_CAT")).isEqualTo("shop");
                    columns.add(rs.getString("COLUMN_NAME"));
                }
            }
            assertThat(columns).containsExactly("uid", "name", "score", "created");
            try (ResultSet rs = md.getPrimaryKeys("shop", null, "user")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("TABLE_CAT")).isEqualTo("shop");
                assertThat(rs.getString("COLUMN_NAME")).isEqualTo("uid");
            }
            List<String> catalogs = new ArrayList<>();
            try (ResultSet rs = md.getCatalogs()) {
                while (rs.next()) catalogs.add(rs.getString(1));
            }
            assertThat(catalogs).contains("shop").noneMatch(n -> n.startsWith("sg_db_"));
        }
        String schemaTerm = SharedShardedProxy.url("useInformationSchema=true&databaseTerm=SCHEMA");
        try (Connection c = DriverManager.getConnection(schemaTerm, SharedShardedProxy.USER, SharedShardedProxy.PASSWORD);
             ResultSet rs = c.getMetaData().getTables(null, "shop", "user", null)) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString("TABLE_SCHEM")).isEqualTo("shop");
        }
        try (Connection c = connect()) {
            assertThat(rows(c, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ('shop')"))
                    .containsExactly(List.of("shop"));
            List<String> schemata = column(c, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY 1");
            assertThat(schemata).contains("shop", "information_schema").noneMatch(n -> n.startsWith("sg_db_"));
            assertThat(rows(c, "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS "
                    + "WHERE TABLE_SCHEMA LIKE 'shop' AND TABLE_NAME = 'user' AND ORDINAL_POSITION = 1"))
                    .containsExactly(List.of("shop", "user", "uid"));
            assertThat(column(c, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'nosuch'"))
                    .as("other schemas pass unchanged").containsExactly("0");
        }
    }
}

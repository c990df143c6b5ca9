package io.shardgate.router;

import io.shardgate.router.RoutePlan.Kind;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.shardgate.router.TestMap.ROUTER;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Statements on information_schema go unchanged to the default group, whatever database is current and whatever
 * names of the logical schema or its tables they hold as values: the session answers them for the logical schema
 * by sending them there with the default shard's database in place of the logical schema's name.
 */
class InformationSchemaPlanTest {
    static final List<String> TOOL_QUERIES = List.of(
            // Connector/J DatabaseMetaData with useInformationSchema=true
            "SELECT TABLE_SCHEMA AS TABLE_CAT, NULL AS TABLE_SCHEM, TABLE_NAME, CASE WHEN TABLE_TYPE='BASE TABLE' THEN "
                    + "CASE WHEN TABLE_SCHEMA = 'mysql' OR TABLE_SCHEMA = 'performance_schema' THEN 'SYSTEM TABLE' "
                    + "ELSE 'TABLE' END WHEN TABLE_TYPE='TEMPORARY' THEN 'LOCAL_TEMPORARY' ELSE TABLE_TYPE END AS TABLE_TYPE, "
                    + "TABLE_COMMENT AS REMARKS FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'userdb' AND TABLE_NAME "
                    + "LIKE '%' HAVING TABLE_TYPE IN ('TABLE','VIEW') ORDER BY TABLE_TYPE, TABLE_SCHEMA, TABLE_NAME",
            "SELECT TABLE_SCHEMA AS TABLE_CAT, NULL AS TABLE_SCHEM, TABLE_NAME, COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS "
                    + "WHERE TABLE_SCHEMA = 'userdb' AND TABLE_NAME LIKE 'user' AND COLUMN_NAME LIKE '%' "
                    + "ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION",
            "SELECT TABLE_SCHEMA AS TABLE_CAT, NULL AS TABLE_SCHEM, TABLE_NAME, COLUMN_NAME, SEQ_IN_INDEX AS KEY_SEQ, "
                    + "'PRIMARY' AS PK_NAME FROM INFORMATION_SCHEMA.STATISTICS WHERE TABLE_SCHEMA = 'userdb' AND "
                    + "TABLE_NAME = 'user' AND INDEX_NAME='PRIMARY' ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ('userdb', 'mysql')",
            // DBeaver / IntelliJ style: joins and subqueries within information_schema
            "select t.table_name, c.column_name from information_schema.tables t join information_schema.columns c "
                    + "on c.table_schema = t.table_schema and c.table_name = t.table_name where t.table_schema = 'userdb'");

    @Test
    void informationSchemaStatementsArePassedThroughToTheDefaultGroup() {
        for (String sql : TOOL_QUERIES) {
            for (String current : new String[]{"userdb", "otherdb", null}) {
                RoutePlan p = ROUTER.plan(sql, current);
                assertThat(p.kind()).as("%s with %s current: %s", sql, current, p.explain()).isEqualTo(Kind.PASSTHROUGH);
                assertThat(p.targets()).hasSize(1);
                assertThat(p.targets().get(0).group()).isEqualTo("g0");
                assertThat(p.targets().get(0).unchanged()).isTrue();
            }
        }
    }
}

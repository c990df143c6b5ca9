package io.shardgate.proxy.logical;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class InformationSchemaQueryTest {
    private static final ShardDatabases DBS = ErrorMessagesTest.DBS;

    private static String sent(String sql) {
        InformationSchemaQuery.Rewrite r = InformationSchemaQuery.of(sql, DBS);
        return r == null ? null : r.sql();
    }

    @Test
    void theLogicalSchemaComparedWithASchemaColumnBecomesTheDefaultShardsDatabase() {
        assertThat(sent("SELECT * FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'user'"))
                .isEqualTo("SELECT * FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'sg_db_0' AND TABLE_NAME = 'user'");
        assertThat(sent("select column_name from INFORMATION_SCHEMA.COLUMNS where table_schema like 'SHOP' and table_name like 'user'"))
                .as("a LIKE pattern matches the database only")
                .isEqualTo("select column_name from INFORMATION_SCHEMA.COLUMNS where table_schema like 'sg\\_db\\_0' and table_name like 'user'");
        assertThat(sent("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ('mysql', \"shop\")"))
                .isEqualTo("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ('mysql', \"sg_db_0\")");
        assertThat(sent("SELECT 1 FROM information_schema.statistics s WHERE s.`INDEX_SCHEMA`<>'shop' OR s.table_schema NOT IN ('shop')"))
                .isEqualTo("SELECT 1 FROM information_schema.statistics s WHERE s.`INDEX_SCHEMA`<>'sg_db_0' OR s.table_schema NOT IN ('sg_db_0')");
        assertThat(sent("SELECT * FROM information_schema.KEY_COLUMN_USAGE WHERE REFERENCED_TABLE_SCHEMA NOT LIKE 'shop'"))
                .endsWith("NOT LIKE 'sg\\_db\\_0'");
    }

    @Test
    void otherLiteralsAndStatementsAreLeftAlone() {
        assertThat(sent("SELECT * FROM information_schema.TABLES WHERE TABLE_NAME = 'shop'")).as("not a schema column").isNull();
        assertThat(sent("SELECT 'shop' = TABLE_SCHEMA FROM information_schema.TABLES")).isNull();
        assertThat(sent("SELECT * FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shopping'")).isNull();
        assertThat(sent("SELECT * FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'other' /* 'shop' */")).isNull();
        assertThat(sent("SELECT * FROM user WHERE TABLE_SCHEMA = 'shop'")).as("not about information_schema").isNull();
        assertThat(sent("SELECT * FROM information_schema.TABLES WHERE TABLE_COMMENT = 'it''s TABLE_SCHEMA = ''shop'''")).isNull();
    }

    @Test
    void queriesOnSchemataAreTakenWhateverTheyCompare() {
        InformationSchemaQuery.Rewrite r = InformationSchemaQuery.of("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY 1", DBS);
        assertThat(r).isEqualTo(new InformationSchemaQuery.Rewrite("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY 1", true));
        assertThat(InformationSchemaQuery.of("SELECT * FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop'", DBS).schemata()).isFalse();
    }

    @Test
    void informationSchemaIsFoundInAnyCaseWithoutFalseHits() {
        for (String yes : List.of("x INFORMATION_SCHEMA.t", "Information_Schema", "`information_schema`.`TABLES`")) {
            assertThat(InformationSchemaQuery.mentionsInformationSchema(yes)).as(yes).isTrue();
        }
        for (String no : List.of("SELECT a_b FROM t", "_schema", "information schema", "informationschema_x", "")) {
            assertThat(InformationSchemaQuery.mentionsInformationSchema(no)).as(no).isFalse();
        }
    }
}

package io.shardgate.proxy.logical;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.shardgate.proxy.merge.ColumnDef;
import io.shardgate.proxy.protocol.Wire;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ColumnDefinitionNamesTest {
    private final ColumnDefinitionNames names = new ColumnDefinitionNames(ErrorMessagesTest.DBS);

    /** A definition with the given text fields, then 13 fixed bytes (BIGINT, binary collation, decimals 0). */
    static ByteBuf definition(String schema, String table, String name, String orgName) {
        ByteBuf b = Unpooled.buffer();
        for (String s : new String[]{"def", schema, table, table, name, orgName}) Wire.writeLenencString(b, s);
        b.writeByte(0x0c).writeShortLE(63).writeIntLE(20).writeByte(0x08).writeShortLE(0).writeByte(0).writeShortLE(0);
        return b;
    }

    private ByteBuf rewrite(ByteBuf in) {
        ByteBuf padded = Unpooled.buffer().writeBytes(new byte[]{1, 2, 3}).writeBytes(in.duplicate()); // not at index 0
        return names.rewrite(ByteBufAllocator.DEFAULT, padded, 3, in.readableBytes());
    }

    @Test
    void theSchemaFieldOfAShardDatabaseBecomesTheLogicalSchema() {
        ByteBuf in = definition("sg_db_2", "user", "uid", "uid");
        ByteBuf out = rewrite(in);
        ColumnDef d = ColumnDef.decode(out);
        assertThat(d.schema()).isEqualTo("shop");
        assertThat(d.table()).isEqualTo("user");
        assertThat(d.name()).isEqualTo("uid");
        assertThat(d.type()).isEqualTo(0x08);
        assertThat(d.length()).isEqualTo(20);
        // the fixed fields follow unchanged
        assertThat(out.slice(out.writerIndex() - 13, 13)).isEqualTo(in.slice(in.writerIndex() - 13, 13));
    }

    @Test
    void showTablesColumnNamesTheLogicalSchema() {
        ByteBuf out = rewrite(definition("information_schema", "TABLE_NAMES", "Tables_in_sg_db_0", "Tables_in_sg_db_0"));
        ByteBuf p = out.duplicate();
        Wire.readLenencBytes(p);
        assertThat(Wire.readLenencString(p, StandardCharsets.UTF_8)).isEqualTo("information_schema");
        Wire.readLenencBytes(p);
        Wire.readLenencBytes(p);
        assertThat(Wire.readLenencString(p, StandardCharsets.UTF_8)).isEqualTo("Tables_in_shop");
        assertThat(Wire.readLenencString(p, StandardCharsets.UTF_8)).isEqualTo("Tables_in_shop");
        ColumnDef like = ColumnDef.decode(rewrite(definition("", "", "Tables_in_sg_db_10 (u%)", "TABLE_NAME")));
        assertThat(like.name()).isEqualTo("Tables_in_shop (u%)");
    }

    @Test
    void otherDefinitionsAreLeftAlone() {
        assertThat(rewrite(definition("otherdb", "user", "uid", "uid"))).isNull();
        assertThat(rewrite(definition("sg_db_1x", "user", "uid", "uid"))).isNull();
        assertThat(rewrite(definition("", "", "Tables_in_sg_db_1x", "x"))).isNull();
        assertThat(rewrite(definition("", "", "Tables_in_otherdb", "x"))).isNull();
        ByteBuf truncated = definition("sg_db_0", "user", "uid", "uid");
        assertThat(rewrite(truncated.slice(0, 12))).as("a definition cut short is relayed as it came").isNull();
    }
}

package io.shardgate.proxy.exec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.shardgate.proxy.merge.ColumnDef;
import io.shardgate.proxy.merge.ColumnType;
import io.shardgate.proxy.protocol.Wire;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class AverageTest {
    static ColumnDef def(int type, int decimals) {
        return new ColumnDef("db", "t", "SUM(x)", 63, 20, type, 0, decimals);
    }

    static String avg(String sum, String count, ColumnDef d) {
        byte[] v = Average.of(sum == null ? null : sum.getBytes(StandardCharsets.US_ASCII),
                count.getBytes(StandardCharsets.US_ASCII), d);
        return v == null ? null : new String(v, StandardCharsets.US_ASCII);
    }

    @Test
    void exactTypesGetFourMoreDecimalsRoundedHalfUpAsMySql() {
        assertThat(avg("65", "4", def(ColumnType.NEWDECIMAL, 0))).isEqualTo("16.2500");
        assertThat(avg("10", "3", def(ColumnType.NEWDECIMAL, 0))).isEqualTo("3.3333");
        assertThat(avg("20", "3", def(ColumnType.NEWDECIMAL, 0))).isEqualTo("6.6667");
        assertThat(avg("10.05", "2", def(ColumnType.NEWDECIMAL, 2))).isEqualTo("5.025000");
        assertThat(avg("-7", "2", def(ColumnType.NEWDECIMAL, 0))).isEqualTo("-3.5000");
    }

    @Test
    void nothingToAverageIsNull() {
        assertThat(avg(null, "0", def(ColumnType.NEWDECIMAL, 0))).isNull();
        assertThat(avg("0", "0", def(ColumnType.NEWDECIMAL, 0))).isNull();
    }

    @Test
    void floatingPointStaysFloatingPoint() {
        assertThat(avg("3", "2", def(ColumnType.DOUBLE, 31))).isEqualTo("1.5");
        assertThat(avg("4", "2", def(ColumnType.DOUBLE, 31))).isEqualTo("2");
        assertThat(Average.formatDouble(1e20)).isEqualTo("1.0e20");
    }

    @Test
    void averageColumnDefinitionIsRenamedAndWidened() {
        ByteBuf sum = Unpooled.buffer();
        for (String s : new String[]{"def", "userdb", "user", "user", "SUM(score)", "score"}) {
            Wire.writeLenencString(sum, s);
        }
        Wire.writeLenenc(sum, 0x0c);
        sum.writeShortLE(63).writeIntLE(33).writeByte(ColumnType.NEWDECIMAL).writeShortLE(0x80).writeByte(0).writeShortLE(0);
        byte[] raw = new byte[sum.readableBytes()];
        sum.readBytes(raw);
        ByteBuf out = ColumnDefinitions.asAverage(ByteBufAllocator.DEFAULT, raw, "AVG(score)");
        try {
            ColumnDef d = ColumnDef.decode(out);
            assertThat(d.name()).isEqualTo("AVG(score)");
            assertThat(d.schema()).isEqualTo("userdb");
            assertThat(d.type()).isEqualTo(ColumnType.NEWDECIMAL);
            assertThat(d.decimals()).isEqualTo(4);
            assertThat(d.length()).isEqualTo(37);
            assertThat(d.flags()).isEqualTo(0x80);
        } finally {
            out.release();
        }
    }
}

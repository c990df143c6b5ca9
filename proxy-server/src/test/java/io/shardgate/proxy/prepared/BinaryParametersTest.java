package io.shardgate.proxy.prepared;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.shardgate.proxy.prepared.BinaryParameters.Execute;
import io.shardgate.proxy.protocol.Hex;
import io.shardgate.proxy.protocol.MalformedPacketException;
import org.junit.jupiter.api.Test;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.shardgate.proxy.merge.ColumnType.*;
import static io.shardgate.proxy.prepared.BinaryParameters.UNSIGNED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BinaryParametersTest {
    static final Charset UTF8 = StandardCharsets.UTF_8;

    /**
     * A COM_STMT_EXECUTE payload: 17, id, flags, iteration count 1, then (when types or nullBitmap is given)
     * the null bitmap, new_params_bound_flag (1 when types is not null) with the types, and the values' hex.
     */
    static ByteBuf execute(long id, int flags, String nullBitmap, int[] types, String values) {
        ByteBuf b = Unpooled.buffer();
        b.writeByte(0x17).writeIntLE((int) id).writeByte(flags).writeIntLE(1);
        b.writeBytes(Hex.bytes(nullBitmap));
        if (types == null) {
            b.writeByte(0);
        } else {
            b.writeByte(1);
            for (int t : types) b.writeByte(t & 0xff).writeByte((t & UNSIGNED) != 0 ? 0x80 : 0);
        }
        b.writeBytes(Hex.bytes(values));
        return b;
    }

    /** One parameter of the given type, not NULL, with its value's bytes. */
    static String one(int type, String valueHex) {
        return decode(execute(1, 0, "00", new int[]{type}, valueHex), 1).literals().get(0);
    }

    static Execute decode(ByteBuf payload, int params) {
        return BinaryParameters.decode(payload, params, null, null, UTF8, "utf8mb4");
    }

    @Test
    void readsTheStatementIdWithoutMovingTheReader() {
        ByteBuf p = Hex.hex("17 01 00 00 80 00 01 00 00 00");
        assertThat(BinaryParameters.statementId(p)).isEqualTo(0x80000001L);
        assertThat(BinaryParameters.statementId(Hex.hex("17 ff ff ff ff"))).isEqualTo(0xffffffffL);
        assertThat(p.readerIndex()).isZero();
        assertThatThrownBy(() -> BinaryParameters.statementId(Hex.hex("17 01 00 00")))
                .isInstanceOf(MalformedPacketException.class);
    }

    @Test
    void aStatementWithoutParametersHasOnlyTheHeader() {
        Execute e = decode(Hex.hex("17 07 00 00 00 01 01 00 00 00"), 0);
        assertThat(e.statementId()).isEqualTo(7);
        assertThat(e.flags()).isEqualTo(1);
        assertThat(e.types()).isEmpty();
        assertThat(e.literals()).isEmpty();
    }

    @Test
    void signedIntegers() {
        assertThat(one(TINY, "ff")).isEqualTo("-1");
        assertThat(one(TINY, "7f")).isEqualTo("127");
        assertThat(one(SHORT, "fe ff")).isEqualTo("-2");
        assertThat(one(YEAR, "e8 07")).isEqualTo("2024");
        assertThat(one(LONG, "fd ff ff ff")).isEqualTo("-3");
        assertThat(one(INT24, "00 00 80 ff")).isEqualTo("-8388608");
        assertThat(one(LONG, "00 00 00 80")).isEqualTo("-2147483648");
        assertThat(one(LONGLONG, "ff ff ff ff ff ff ff ff")).isEqualTo("-1");
        assertThat(one(LONGLONG, "00 00 00 00 00 00 00 80")).isEqualTo("-9223372036854775808");
        assertThat(one(LONGLONG, "01 02 00 00 00 00 00 00")).isEqualTo("513");
    }

    @Test
    void unsignedIntegers() {
        assertThat(one(TINY | UNSIGNED, "ff")).isEqualTo("255");
        assertThat(one(SHORT | UNSIGNED, "ff ff")).isEqualTo("65535");
        assertThat(one(YEAR | UNSIGNED, "e8 07")).isEqualTo("2024");
        assertThat(one(LONG | UNSIGNED, "ff ff ff ff")).isEqualTo("4294967295");
        assertThat(one(INT24 | UNSIGNED, "ff ff ff 00")).isEqualTo("16777215");
        assertThat(one(LONGLONG | UNSIGNED, "ff ff ff ff ff ff ff ff")).isEqualTo("18446744073709551615");
        Execute e = decode(execute(1, 0, "00", new int[]{TINY | UNSIGNED, TINY}, "ff ff"), 2);
        assertThat(e.types()).containsExactly(TINY | UNSIGNED, TINY);
        assertThat(e.literals()).containsExactly("255", "-1");
    }

    @Test
    void theNullBitmapCoversSeveralBytesAndNullsHaveNoValue() {
        // 10 parameters, NULL: 0, 3, 9 -> bitmap 09 02; the others are LONGs 1, 2, 4, 5, 6, 7, 8
        int[] types = new int[10];
        java.util.Arrays.fill(types, LONG);
        StringBuilder values = new StringBuilder();
        for (int v : new int[]{1, 2, 4, 5, 6, 7, 8}) values.append(String.format("%02x 00 00 00 ", v));
        Execute e = decode(execute(3, 0, "09 02", types, values.toString()), 10);
        assertThat(e.literals()).containsExactly("NULL", "1", "2", "NULL", "4", "5", "6", "7", "8", "NULL");
        assertThat(e.types()).containsExactly(types);
    }

    @Test
    void theNullTypeIsNullWithoutAValue() {
        Execute e = decode(execute(1, 0, "00", new int[]{NULL, TINY}, "05"), 2);
        assertThat(e.literals()).containsExactly("NULL", "5");
    }

    @Test
    void withoutNewTypesThePreviousOnesAreUsed() {
        int[] previous = {LONGLONG | UNSIGNED, VAR_STRING};
        ByteBuf p = execute(9, 0, "00", null, "ff ff ff ff ff ff ff ff 02 68 69");
        Execute e = BinaryParameters.decode(p, 2, previous, null, UTF8, "utf8mb4");
        assertThat(e.types()).containsExactly(previous);
        assertThat(e.literals()).containsExactly("18446744073709551615", "'hi'");
        assertThat(p.readerIndex()).as("the caller's buffer is not consumed").isZero();

        assertThatThrownBy(() -> BinaryParameters.decode(execute(9, 0, "00", null, "01"), 1, null, null, UTF8, "utf8mb4"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no parameter types");
        assertThatThrownBy(() -> BinaryParameters.decode(execute(9, 0, "00", null, "01"), 1, previous, null, UTF8, "utf8mb4"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 parameters");
    }

    @Test
    void longDataParametersHaveNoValueInThePacketAndTheirNullBitIsIgnored() {
        // LONG 7, BLOB by long data (its null bit set: ignored), VAR_STRING by long data, LONG 8
        byte[][] longData = {null, Hex.bytes("00 01 ff"), "it's".getBytes(UTF8), null};
        ByteBuf p = execute(1, 0, "02", new int[]{LONG, BLOB, VAR_STRING, LONG}, "07 00 00 00 08 00 00 00");
        Execute e = BinaryParameters.decode(p, 4, null, longData, UTF8, "utf8mb4");
        assertThat(e.literals()).containsExactly("7", "X'0001ff'", "'it''s'", "8");
        // a short long-data array stands for "none" past its end
        Execute e2 = BinaryParameters.decode(execute(1, 0, "00", new int[]{LONG, LONG}, "01 00 00 00 02 00 00 00"),
                2, null, new byte[1][], UTF8, "utf8mb4");
        assertThat(e2.literals()).containsExactly("1", "2");
    }

    @Test
    void floatsAndDoublesAreWrittenWithAnExponent() {
        assertThat(one(FLOAT, hexFloat(0.1f))).isEqualTo("0.1E0");
        assertThat(one(FLOAT, "33 33 23 41")).isEqualTo("10.2E0"); // the documented example
        assertThat(one(FLOAT, hexFloat(-2.5f))).isEqualTo("-2.5E0");
        assertThat(one(FLOAT, hexFloat(1.0e10f))).isEqualTo("1.0E10");
        assertThat(one(FLOAT, hexFloat(Float.MIN_VALUE))).isEqualTo("1.4E-45");
        assertThat(one(DOUBLE, "66 66 66 66 66 66 24 40")).isEqualTo("10.2E0"); // the documented example
        assertThat(one(DOUBLE, hexDouble(0.1))).isEqualTo("0.1E0");
        assertThat(one(DOUBLE, hexDouble(-1.5))).isEqualTo("-1.5E0");
        assertThat(one(DOUBLE, hexDouble(1e300))).isEqualTo("1.0E300");
        assertThat(one(DOUBLE, hexDouble(-0.0))).isEqualTo("-0.0E0");
        double[] samples = {Math.PI, 1.0 / 3, Double.MAX_VALUE, Double.MIN_VALUE, 123456789.125, 1e-7};
        for (double d : samples) {
            assertThat(Double.parseDouble(one(DOUBLE, hexDouble(d)))).isEqualTo(d);
        }
    }

    @Test
    void notANumberAndInfinityHaveNoLiteral() {
        assertThatThrownBy(() -> one(DOUBLE, hexDouble(Double.NaN)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN").hasMessageContaining("no literal");
        assertThatThrownBy(() -> one(DOUBLE, hexDouble(Double.NEGATIVE_INFINITY)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-Infinity");
        assertThatThrownBy(() -> one(FLOAT, hexFloat(Float.POSITIVE_INFINITY)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Infinity");
        assertThatThrownBy(() -> one(FLOAT, hexFloat(Float.NaN)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
    }

    @Test
    void decimalsAreCheckedNumbers() {
        assertThat(one(NEWDECIMAL, lenenc("-12.50"))).isEqualTo("-12.50");
        assertThat(one(DECIMAL, lenenc("0.5"))).isEqualTo("0.5");
        assertThat(one(NEWDECIMAL, lenenc("+7"))).isEqualTo("+7");
        assertThat(one(NEWDECIMAL, lenenc(".5"))).isEqualTo(".5");
        assertThat(one(NEWDECIMAL, lenenc("1E+3"))).isEqualTo("1E+3");
        assertThat(one(NEWDECIMAL, lenenc("1.5e-2"))).isEqualTo("1.5e-2");
        for (String bad : new String[]{"", "12a", "1 OR 1=1", "'1'", "--1", "1.2.3", "e5", "."}) {
            assertThatThrownBy(() -> one(NEWDECIMAL, lenenc(bad))).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a number");
        }
    }

    @Test
    void datesOfEachLength() {
        // DATE: a date whatever the length
        assertThat(one(DATE, "04 e8 07 01 02")).isEqualTo("'2024-01-02'");
        assertThat(one(DATE, "00")).isEqualTo("'0000-00-00'");
        assertThat(one(DATE, "07 e8 07 01 02 00 00 00")).isEqualTo("'2024-01-02'");
        // DATETIME, TIMESTAMP
        assertThat(one(DATETIME, "00")).isEqualTo("'0000-00-00 00:00:00'");
        assertThat(one(DATETIME, "04 e8 07 0c 1f")).isEqualTo("'2024-12-31 00:00:00'");
        assertThat(one(DATETIME, "07 e8 07 01 02 03 04 05")).isEqualTo("'2024-01-02 03:04:05'");
        assertThat(one(TIMESTAMP, "0b e8 07 01 02 03 04 05 40 e2 01 00")).isEqualTo("'2024-01-02 03:04:05.123456'");
        assertThat(one(DATETIME, "0b 01 00 01 02 17 3b 3b 05 00 00 00")).isEqualTo("'0001-01-02 23:59:59.000005'");
        assertThat(one(TIMESTAMP, "0b e8 07 01 02 03 04 05 00 00 00 00")).isEqualTo("'2024-01-02 03:04:05.000000'");
    }

    @Test
    void timesOfEachLength() {
        assertThat(one(TIME, "00")).isEqualTo("'00:00:00'");
        assertThat(one(TIME, "08 00 00 00 00 00 0c 22 38")).isEqualTo("'12:34:56'");
        assertThat(one(TIME, "08 01 01 00 00 00 02 03 04")).isEqualTo("'-26:03:04'");
        assertThat(one(TIME, "08 00 22 00 00 00 16 3b 3b")).isEqualTo("'838:59:59'");
        assertThat(one(TIME, "0c 01 00 00 00 00 00 00 01 07 00 00 00")).isEqualTo("'-00:00:01.000007'");
        assertThat(one(TIME, "0c 00 00 00 00 00 0c 00 00 40 e2 01 00")).isEqualTo("'12:00:00.123456'");
    }

    @Test
    void wrongDateAndTimeLengthsAreMalformed() {
        assertThatThrownBy(() -> one(DATETIME, "05 e8 07 01 02 03")).isInstanceOf(MalformedPacketException.class);
        assertThatThrownBy(() -> one(TIME, "07 00 00 00 00 00 01 02")).isInstanceOf(MalformedPacketException.class);
        assertThatThrownBy(() -> one(DATETIME, "0b e8 07 01 02 03 04 05 40 42 0f 00")) // 1 000 000 microseconds
                .isInstanceOf(MalformedPacketException.class);
    }

    @Test
    void stringsAreQuotedWhenThatIsSafe() {
        assertThat(one(VAR_STRING, lenenc("abc"))).isEqualTo("'abc'");
        assertThat(one(VAR_STRING, "00")).isEqualTo("''");
        assertThat(one(STRING, lenenc("it's"))).isEqualTo("'it''s'");
        assertThat(one(VARCHAR, lenenc("héllo \"wörld\" ✓ 😀"))).isEqualTo("'héllo \"wörld\" ✓ 😀'");
        assertThat(one(ENUM, lenenc("red"))).isEqualTo("'red'");
        assertThat(one(SET, lenenc("a,b"))).isEqualTo("'a,b'");
        assertThat(one(JSON, lenenc("{\"k\": [1, \"x\"]}"))).isEqualTo("'{\"k\": [1, \"x\"]}'");
        assertThat(one(VAR_STRING, lenenc("line\nbreak\ttab ? /* -- #"))).isEqualTo("'line\nbreak\ttab ? /* -- #'");
    }

    @Test
    void stringsWithBackslashesNulsOrBytesOutsideTheCharsetAreHex() {
        assertThat(one(VAR_STRING, lenenc("a\\b"))).isEqualTo("_utf8mb4 X'615c62'");
        assertThat(one(VAR_STRING, lenenc("a\\'; DROP TABLE t; --"))).startsWith("_utf8mb4 X'615c27");
        assertThat(one(VAR_STRING, "03 61 00 62")).isEqualTo("_utf8mb4 X'610062'");
        assertThat(one(VAR_STRING, "02 c3 28")).as("invalid UTF-8: bytes, as a binary string").isEqualTo("X'c328'");
        assertThat(one(VAR_STRING, "03 ed a0 80")).as("a lone surrogate: not UTF-8, so bytes").isEqualTo("X'eda080'");
        Charset latin1 = Charset.forName("windows-1252");
        ByteBuf p = execute(1, 0, "00", new int[]{VAR_STRING, VAR_STRING}, "02 e9 27 01 81");
        assertThat(BinaryParameters.decode(p, 2, null, null, latin1, "latin1").literals())
                .containsExactly("'é'''", "X'81'");
    }

    @Test
    void binaryValuesAreHex() {
        for (int type : new int[]{TINY_BLOB, MEDIUM_BLOB, LONG_BLOB, BLOB, BIT, GEOMETRY}) {
            assertThat(one(type, "03 00 27 ff")).isEqualTo("X'0027ff'");
            assertThat(one(type, "00")).isEqualTo("X''");
        }
        byte[] big = Hex.pattern(300, 1);
        assertThat(one(BLOB, "fc 2c 01" + java.util.HexFormat.of().formatHex(big)))
                .isEqualTo("X'" + java.util.HexFormat.of().formatHex(big) + "'");
    }

    @Test
    void unknownTypesAreRefusedByCode() {
        assertThatThrownBy(() -> one(TIME2, "00")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0x13");
        assertThatThrownBy(() -> one(0x20, "00")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0x20");
        // also when its value came as long data
        assertThatThrownBy(() -> BinaryParameters.decode(execute(1, 0, "00", new int[]{0x20}, ""), 1, null,
                new byte[][]{{1}}, UTF8, "utf8mb4")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void truncatedPacketsAreMalformed() {
        assertThatThrownBy(() -> decode(Hex.hex("17 01 00 00 00 00 01 00 00"), 0))
                .as("short header").isInstanceOf(MalformedPacketException.class);
        assertThatThrownBy(() -> decode(Hex.hex("17 01 00 00 00 00 01 00 00 00"), 1))
                .as("no null bitmap").isInstanceOf(MalformedPacketException.class);
        assertThatThrownBy(() -> decode(Hex.hex("17 01 00 00 00 00 01 00 00 00 00"), 1))
                .as("no new_params_bound_flag").isInstanceOf(MalformedPacketException.class);
        assertThatThrownBy(() -> decode(Hex.hex("17 01 00 00 00 00 01 00 00 00 00 01 03 00 08"), 2))
                .as("types cut short").isInstanceOf(MalformedPacketException.class);
        assertThatThrownBy(() -> one(LONG, "01 02")).isInstanceOf(MalformedPacketException.class);
        assertThatThrownBy(() -> one(LONGLONG, "")).isInstanceOf(MalformedPacketException.class);
        assertThatThrownBy(() -> one(VAR_STRING, "05 61 62")).isInstanceOf(MalformedPacketException.class);
        assertThatThrownBy(() -> one(VAR_STRING, "")).isInstanceOf(MalformedPacketException.class);
        assertThatThrownBy(() -> one(VAR_STRING, "fb")).isInstanceOf(MalformedPacketException.class);
        assertThatThrownBy(() -> one(DATETIME, "07 e8 07 01")).isInstanceOf(MalformedPacketException.class);
        assertThatThrownBy(() -> one(TIME, "")).isInstanceOf(MalformedPacketException.class);
        assertThatThrownBy(() -> decode(Hex.hex("16 01 00 00 00 00 01 00 00 00"), 0))
                .as("not COM_STMT_EXECUTE").isInstanceOf(MalformedPacketException.class);
    }

    @Test
    void theCharsetNameMustBeAName() {
        assertThatThrownBy(() -> BinaryParameters.decode(execute(1, 0, "00", new int[]{LONG}, "01 00 00 00"), 1, null,
                null, UTF8, "utf8mb4 X'00'")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theLiteralsListIsImmutable() {
        List<String> l = decode(execute(1, 0, "00", new int[]{LONG}, "01 00 00 00"), 1).literals();
        assertThatThrownBy(() -> l.add("x")).isInstanceOf(UnsupportedOperationException.class);
    }

    static String lenenc(String s) {
        byte[] b = s.getBytes(UTF8);
        ByteBuf buf = Unpooled.buffer();
        io.shardgate.proxy.protocol.Wire.writeLenencBytes(buf, b);
        return Hex.dump(buf);
    }

    static String hexFloat(float f) {
        return Hex.dump(Unpooled.buffer().writeIntLE(Float.floatToRawIntBits(f)));
    }

    static String hexDouble(double d) {
        return Hex.dump(Unpooled.buffer().writeLongLE(Double.doubleToRawLongBits(d)));
    }
}

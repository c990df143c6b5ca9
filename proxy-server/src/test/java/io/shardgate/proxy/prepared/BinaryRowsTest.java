package io.shardgate.proxy.prepared;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.shardgate.proxy.merge.ColumnDef;
import io.shardgate.proxy.merge.TextRow;
import io.shardgate.proxy.protocol.Hex;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static io.shardgate.proxy.merge.ColumnType.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BinaryRowsTest {
    static final UnpooledByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    static ColumnDef col(int type) {
        return col(type, 0);
    }

    static ColumnDef col(int type, int flags) {
        return new ColumnDef("db", "t", "c", 45, 20, type, flags, 0);
    }

    static String row(List<ColumnDef> columns, String... values) {
        byte[][] v = new byte[values.length][];
        for (int i = 0; i < values.length; i++) {
            v[i] = values[i] == null ? null : values[i].getBytes(StandardCharsets.UTF_8);
        }
        ByteBuf b = BinaryRows.encode(ALLOC, new TextRow(v), columns);
        try {
            return Hex.dump(b);
        } finally {
            b.release();
        }
    }

    /** The binary row of one column holding {@code value}: 00, bitmap 00, then the value. */
    static String single(ColumnDef column, String value) {
        return row(List.of(column), value);
    }

    @Test
    void theDocumentedExample() {
        // MySQL's "Binary Protocol Resultset Row" example: 00 00 06 66 6f 6f 62 61 72, one VAR_STRING "foobar"
        assertThat(single(col(VAR_STRING), "foobar")).isEqualTo(Hex.norm("00 00 06 66 6f 6f 62 61 72"));
    }

    @Test
    void theNullBitmapStartsAtBitTwo() {
        assertThat(single(col(LONG), null)).isEqualTo(Hex.norm("00 04"));
        // 10 columns: bitmap of (10 + 9) / 8 = 2 bytes; NULL columns 0, 5, 6, 9 -> bits 2, 7, 8, 11
        List<ColumnDef> ten = Collections.nCopies(10, col(VAR_STRING));
        assertThat(row(ten, null, "a", "b", "c", "d", null, null, "e", "f", null))
                .isEqualTo(Hex.norm("00 84 09 | 01 61 | 01 62 | 01 63 | 01 64 | 01 65 | 01 66"));
        // 6 columns fit in one byte, 7 need two
        assertThat(row(Collections.nCopies(6, col(TINY)), "1", "2", "3", "4", "5", null))
                .isEqualTo(Hex.norm("00 80 01 02 03 04 05"));
        assertThat(row(Collections.nCopies(7, col(TINY)), "1", "2", "3", "4", "5", "6", null))
                .isEqualTo(Hex.norm("00 00 01 01 02 03 04 05 06"));
    }

    @Test
    void aNullTypeColumnIsAlwaysNull() {
        assertThat(row(List.of(col(NULL), col(TINY)), null, "7")).isEqualTo(Hex.norm("00 04 07"));
    }

    @Test
    void integersByWidthAndSign() {
        assertThat(single(col(TINY), "-1")).isEqualTo(Hex.norm("00 00 ff"));
        assertThat(single(col(TINY), "127")).isEqualTo(Hex.norm("00 00 7f"));
        assertThat(single(col(TINY, UNSIGNED_FLAG), "255")).isEqualTo(Hex.norm("00 00 ff"));
        assertThat(single(col(SHORT), "-2")).isEqualTo(Hex.norm("00 00 fe ff"));
        assertThat(single(col(SHORT, UNSIGNED_FLAG), "65535")).isEqualTo(Hex.norm("00 00 ff ff"));
        assertThat(single(col(YEAR, UNSIGNED_FLAG | 0x40), "2024")).isEqualTo(Hex.norm("00 00 e8 07"));
        assertThat(single(col(YEAR, UNSIGNED_FLAG | 0x40), "0000")).isEqualTo(Hex.norm("00 00 00 00"));
        assertThat(single(col(LONG), "-3")).isEqualTo(Hex.norm("00 00 fd ff ff ff"));
        assertThat(single(col(LONG, UNSIGNED_FLAG), "4294967295")).isEqualTo(Hex.norm("00 00 ff ff ff ff"));
        assertThat(single(col(INT24), "8388607")).isEqualTo(Hex.norm("00 00 ff ff 7f 00"));
        assertThat(single(col(INT24), "-8388608")).isEqualTo(Hex.norm("00 00 00 00 80 ff"));
        assertThat(single(col(LONGLONG), "1")).isEqualTo(Hex.norm("00 00 01 00 00 00 00 00 00 00"));
        assertThat(single(col(LONGLONG), "-9223372036854775808")).isEqualTo(Hex.norm("00 00 00 00 00 00 00 00 00 80"));
        assertThat(single(col(LONGLONG, UNSIGNED_FLAG), "18446744073709551615"))
                .isEqualTo(Hex.norm("00 00 ff ff ff ff ff ff ff ff"));
    }

    @Test
    void integersOutsideTheirColumnAreRefused() {
        assertThatThrownBy(() -> single(col(TINY), "128")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("128").hasMessageContaining("0x01");
        assertThatThrownBy(() -> single(col(TINY, UNSIGNED_FLAG), "-1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> single(col(TINY, UNSIGNED_FLAG), "256")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> single(col(LONG), "2147483648")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> single(col(LONGLONG), "9223372036854775808")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> single(col(LONG), "1.5")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> single(col(LONG), "")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void floatingPointAsIeee754() {
        // the documented examples: FLOAT 10.2 = 33 33 23 41, DOUBLE 10.2 = 66 66 66 66 66 66 24 40
        assertThat(single(col(FLOAT), "10.2")).isEqualTo(Hex.norm("00 00 33 33 23 41"));
        assertThat(single(col(DOUBLE), "10.2")).isEqualTo(Hex.norm("00 00 66 66 66 66 66 66 24 40"));
        assertThat(single(col(DOUBLE), "-1e-7")).isEqualTo("00 00 " + BinaryParametersTest.hexDouble(-1e-7));
        assertThat(single(col(FLOAT), "3.40282e38")).isEqualTo("00 00 " + BinaryParametersTest.hexFloat(3.40282e38f));
        assertThatThrownBy(() -> single(col(DOUBLE), "abc")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void datesTakeTheShortestLength() {
        for (int type : new int[]{DATE, NEWDATE}) {
            assertThat(single(col(type), "2024-01-02")).isEqualTo(Hex.norm("00 00 | 04 e8 07 01 02"));
            assertThat(single(col(type), "0000-00-00")).isEqualTo(Hex.norm("00 00 | 00"));
        }
        for (int type : new int[]{DATETIME, DATETIME2, TIMESTAMP, TIMESTAMP2}) {
            assertThat(single(col(type), "0000-00-00 00:00:00")).isEqualTo(Hex.norm("00 00 | 00"));
            assertThat(single(col(type), "2024-01-02 00:00:00")).isEqualTo(Hex.norm("00 00 | 04 e8 07 01 02"));
            assertThat(single(col(type), "2024-01-02 03:04:05")).isEqualTo(Hex.norm("00 00 | 07 e8 07 01 02 03 04 05"));
            assertThat(single(col(type), "2024-01-02 03:04:05.000"))
                    .isEqualTo(Hex.norm("00 00 | 07 e8 07 01 02 03 04 05"));
            assertThat(single(col(type), "2024-01-02 03:04:05.123456"))
                    .isEqualTo(Hex.norm("00 00 | 0b e8 07 01 02 03 04 05 40 e2 01 00"));
            // DATETIME(1): .5 = 500000 microseconds
            assertThat(single(col(type), "2024-01-02 03:04:05.5"))
                    .isEqualTo(Hex.norm("00 00 | 0b e8 07 01 02 03 04 05 20 a1 07 00"));
            assertThat(single(col(type), "2024-01-02 00:00:00.000001"))
                    .isEqualTo(Hex.norm("00 00 | 0b e8 07 01 02 00 00 00 01 00 00 00"));
        }
        for (String bad : new String[]{"2024-1-02", "2024-01-02 03:04", "2024-01-02T03:04:05", "2024-01-02 03:04:05.",
                "2024-01-02 03:04:05.1234567", "20240102", "abcd-ef-gh"}) {
            assertThatThrownBy(() -> single(col(DATETIME), bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void timesTakeTheShortestLength() {
        for (int type : new int[]{TIME, TIME2}) {
            assertThat(single(col(type), "00:00:00")).isEqualTo(Hex.norm("00 00 | 00"));
            assertThat(single(col(type), "12:34:56")).isEqualTo(Hex.norm("00 00 | 08 00 00 00 00 00 0c 22 38"));
            assertThat(single(col(type), "-26:03:04")).isEqualTo(Hex.norm("00 00 | 08 01 01 00 00 00 02 03 04"));
            assertThat(single(col(type), "838:59:59")).isEqualTo(Hex.norm("00 00 | 08 00 22 00 00 00 16 3b 3b"));
            assertThat(single(col(type), "-838:59:59.000000")).isEqualTo(Hex.norm("00 00 | 08 01 22 00 00 00 16 3b 3b"));
            assertThat(single(col(type), "-00:00:01")).isEqualTo(Hex.norm("00 00 | 08 01 00 00 00 00 00 00 01"));
            assertThat(single(col(type), "12:00:00.000007"))
                    .isEqualTo(Hex.norm("00 00 | 0c 00 00 00 00 00 0c 00 00 07 00 00 00"));
            assertThat(single(col(type), "-00:00:00.5"))
                    .isEqualTo(Hex.norm("00 00 | 0c 01 00 00 00 00 00 00 00 20 a1 07 00"));
        }
        for (String bad : new String[]{"12:00", "12:0:00", ":00:00", "-", "12:00:00.", "1a:00:00", "12:00:00x"}) {
            assertThatThrownBy(() -> single(col(TIME), bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void everythingElseIsTheTextAsALengthEncodedString() {
        for (int type : new int[]{DECIMAL, NEWDECIMAL, VARCHAR, VAR_STRING, STRING, ENUM, SET, JSON, TINY_BLOB,
                MEDIUM_BLOB, LONG_BLOB, BLOB, BIT, GEOMETRY}) {
            assertThat(single(col(type), "-15.50")).as("type %d", type)
                    .isEqualTo(Hex.norm("00 00 | 06 2d 31 35 2e 35 30"));
            assertThat(single(col(type), "")).isEqualTo(Hex.norm("00 00 | 00"));
        }
        byte[] big = Hex.pattern(300, 7);
        ByteBuf b = BinaryRows.encode(ALLOC, new TextRow(new byte[][]{big}), List.of(col(BLOB, 0x80)));
        assertThat(Hex.dump(b)).isEqualTo(Hex.norm("00 00 fc 2c 01") + " " + Hex.spaced(big));
        b.release();
    }

    @Test
    void aRowMustMatchItsColumns() {
        assertThatThrownBy(() -> row(List.of(col(LONG), col(LONG)), "1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 values for 2 columns");
    }

    // ---- round trip: a text value, encoded for its column, then read back as a parameter of the same type ----

    @Test
    void valuesComeBackAsTheSameLiterals() {
        Object[][] cases = {
                {col(TINY), "-128"}, {col(TINY, UNSIGNED_FLAG), "200"}, {col(SHORT), "-32768"},
                {col(YEAR, UNSIGNED_FLAG), "2155"}, {col(LONG), "2147483647"}, {col(INT24), "-5"},
                {col(LONGLONG), "-9223372036854775808"}, {col(LONGLONG, UNSIGNED_FLAG), "18446744073709551615"},
                {col(NEWDECIMAL), "-12345678901234567890.123456789"}, {col(DECIMAL), "0.00"},
                {col(DATE), "2024-02-29"}, {col(DATE), "0000-00-00"},
                {col(DATETIME), "2024-02-29 23:59:58"}, {col(DATETIME), "2024-02-29 00:00:00"},
                {col(TIMESTAMP), "1970-01-01 00:00:01.000001"}, {col(DATETIME), "0000-00-00 00:00:00"},
                {col(TIME), "00:00:00"}, {col(TIME), "-838:59:59"}, {col(TIME), "23:59:59.999999"},
                {col(TIME), "100:00:00"},
                {col(VAR_STRING), "O'Reilly"}, {col(STRING), ""}, {col(VARCHAR), "back\\slash"},
                {col(ENUM), "ünïcödé"}, {col(JSON), "{\"a\": \"b\\\"c\"}"}, {col(SET), "a,b"},
        };
        for (Object[] c : cases) {
            ColumnDef column = (ColumnDef) c[0];
            String text = (String) c[1];
            assertThat(unquote(roundTrip(column, text))).as("%s of type %d", text, column.type()).isEqualTo(text);
        }
    }

    @Test
    void floatingPointComesBackAsTheSameNumber() {
        String[] doubles = {"0", "-0", "10.2", "1e300", "-1.7976931348623157e308", "4.9e-324", "0.1", "123456.789"};
        for (String d : doubles) {
            assertThat(Double.parseDouble(roundTrip(col(DOUBLE), d))).as(d).isEqualTo(Double.parseDouble(d));
        }
        String[] floats = {"0.1", "3.14159", "-1e-10", "3.40282e38", "16777216"};
        for (String f : floats) {
            String literal = roundTrip(col(FLOAT), f);
            assertThat(literal).contains("E");
            assertThat(Float.parseFloat(literal)).as(f).isEqualTo(Float.parseFloat(f));
        }
        assertThat(roundTrip(col(FLOAT), "0.1")).isEqualTo("0.1E0");
    }

    @Test
    void blobsComeBackAsHexOfTheSameBytes() {
        assertThat(roundTrip(col(BLOB, 0x80), "a\\b'c")).isEqualTo("X'615c622763'");
        assertThat(roundTrip(col(BIT, 0x20), "")).isEqualTo("X''");
    }

    @net.jqwik.api.Property(tries = 500)
    void anyLongRoundTrips(@net.jqwik.api.ForAll long v) {
        assertThat(roundTrip(col(LONGLONG), Long.toString(v))).isEqualTo(Long.toString(v));
        assertThat(roundTrip(col(LONGLONG, UNSIGNED_FLAG), Long.toUnsignedString(v))).isEqualTo(Long.toUnsignedString(v));
        assertThat(roundTrip(col(LONG), Integer.toString((int) v))).isEqualTo(Integer.toString((int) v));
    }

    @net.jqwik.api.Property(tries = 500)
    void anyFiniteDoubleRoundTrips(@net.jqwik.api.ForAll double v) {
        net.jqwik.api.Assume.that(Double.isFinite(v));
        assertThat(Double.parseDouble(roundTrip(col(DOUBLE), Double.toString(v)))).isEqualTo(v);
    }

    @net.jqwik.api.Property(tries = 500)
    void anyDateTimeRoundTrips(@net.jqwik.api.ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 9999) int year,
                               @net.jqwik.api.ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 12) int month,
                               @net.jqwik.api.ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 31) int day,
                               @net.jqwik.api.ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 86399) int seconds,
                               @net.jqwik.api.ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 999999) int micros,
                               @net.jqwik.api.ForAll boolean withMicros) {
        String date = String.format("%04d-%02d-%02d", year, month, day);
        String time = String.format("%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
        String dt = date + " " + time + (withMicros && micros != 0 ? String.format(".%06d", micros) : "");
        assertThat(unquote(roundTrip(col(DATE), date))).isEqualTo(date);
        assertThat(unquote(roundTrip(col(DATETIME), dt))).isEqualTo(dt);
    }

    @net.jqwik.api.Property(tries = 500)
    void anyTimeRoundTrips(@net.jqwik.api.ForAll boolean negative,
                           @net.jqwik.api.ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 838) int hours,
                           @net.jqwik.api.ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 59) int minutes,
                           @net.jqwik.api.ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 59) int seconds,
                           @net.jqwik.api.ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 999999) int micros) {
        net.jqwik.api.Assume.that(hours + minutes + seconds + micros != 0 || !negative); // no "-00:00:00"
        String t = (negative ? "-" : "") + String.format("%02d:%02d:%02d", hours, minutes, seconds)
                + (micros != 0 ? String.format(".%06d", micros) : "");
        assertThat(unquote(roundTrip(col(TIME), t))).isEqualTo(t);
    }

    @net.jqwik.api.Property(tries = 500)
    void anyStringRoundTrips(@net.jqwik.api.ForAll String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        net.jqwik.api.Assume.that(new String(utf8, StandardCharsets.UTF_8).equals(s)); // no lone surrogates
        assertThat(unquote(roundTrip(col(VAR_STRING), s))).isEqualTo(s);
    }

    /**
     * Encodes {@code text} as the only value of a binary row for {@code column}, then decodes that value as the only
     * parameter (of the column's type and sign) of a COM_STMT_EXECUTE: the literal the proxy would splice in.
     */
    static String roundTrip(ColumnDef column, String text) {
        ByteBuf row = BinaryRows.encode(ALLOC, new TextRow(new byte[][]{text.getBytes(StandardCharsets.UTF_8)}),
                List.of(column));
        try {
            assertThat(row.getByte(0)).isZero();
            assertThat(row.getByte(1)).as("not NULL").isZero();
            byte[] value = ByteBufUtil.getBytes(row, 2, row.readableBytes() - 2);
            ByteBuf execute = Unpooled.buffer();
            execute.writeByte(0x17).writeIntLE(1).writeByte(0).writeIntLE(1)
                    .writeByte(0x00) // null bitmap
                    .writeByte(1).writeByte(column.type()).writeByte(column.unsigned() ? 0x80 : 0)
                    .writeBytes(value);
            return BinaryParameters.decode(execute, 1, null, null, StandardCharsets.UTF_8, "utf8mb4").literals().get(0);
        } finally {
            row.release();
        }
    }

    /** The value a literal stands for: 'text' with '' for ', _charset X'hex' as UTF-8, anything else as is. */
    static String unquote(String literal) {
        if (literal.startsWith("_utf8mb4 X'") && literal.endsWith("'")) {
            return new String(java.util.HexFormat.of().parseHex(literal.substring(11, literal.length() - 1)),
                    StandardCharsets.UTF_8);
        }
        if (literal.length() >= 2 && literal.startsWith("'") && literal.endsWith("'")) {
            String body = literal.substring(1, literal.length() - 1);
            List<Character> out = new ArrayList<>();
            for (int i = 0; i < body.length(); i++) {
                char c = body.charAt(i);
                if (c == '\'') {
                    assertThat(body.charAt(i + 1)).as("a quote inside a literal is doubled").isEqualTo('\'');
                    i++;
                }
                out.add(c);
            }
            StringBuilder b = new StringBuilder();
            out.forEach(b::append);
            return b.toString();
        }
        return literal;
    }
}

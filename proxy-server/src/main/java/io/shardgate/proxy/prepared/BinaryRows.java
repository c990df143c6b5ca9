package io.shardgate.proxy.prepared;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardgate.proxy.merge.ColumnDef;
import io.shardgate.proxy.merge.ColumnType;
import io.shardgate.proxy.merge.TextRow;
import io.shardgate.proxy.protocol.Wire;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Text result rows turned into binary result rows (ProtocolBinary::ResultsetRow), what a client reads after
 * COM_STMT_EXECUTE:
 *
 * <pre>
 * 0x00, NULL bitmap of (columns + 7 + 2) / 8 bytes (column i = bit (i + 2) % 8 of byte (i + 2) / 8),
 * then each non-NULL value by its column's type:
 *   TINY int&lt;1&gt;; SHORT, YEAR int&lt;2&gt;; LONG, INT24 int&lt;4&gt;; LONGLONG int&lt;8&gt;; FLOAT, DOUBLE IEEE 754 (4, 8 bytes)
 *   DATE, DATETIME, TIMESTAMP: length 0 | 4 (year int&lt;2&gt;, month, day) | 7 (+ hour, minute, second) | 11 (+ micros int&lt;4&gt;)
 *   TIME: length 0 | 8 (is_negative, days int&lt;4&gt;, hour, minute, second) | 12 (+ micros int&lt;4&gt;)
 *   anything else: string&lt;lenenc&gt; of the text value's bytes
 * </pre>
 *
 * Lengths are the shortest that hold the value, as servers send them (0 for a zero date or time).
 */
public final class BinaryRows {
    private BinaryRows() {}

    /**
     * The payload of the binary row holding {@code row}'s values.
     *
     * @throws IllegalArgumentException when the row and the columns differ in number, or a value is not the text
     *                                  form of its column's type
     */
    public static ByteBuf encode(ByteBufAllocator alloc, TextRow row, List<ColumnDef> columns) {
        byte[][] values = row.values();
        int n = columns.size();
        if (values.length != n) {
            throw new IllegalArgumentException("row of " + values.length + " values for " + n + " columns");
        }
        int bitmapLength = (n + 7 + 2) / 8;
        int size = 1 + bitmapLength;
        for (byte[] v : values) if (v != null) size += v.length + 9;
        ByteBuf out = alloc.buffer(size);
        try {
            out.writeByte(0x00);
            int bitmapAt = out.writerIndex();
            out.writeZero(bitmapLength);
            for (int i = 0; i < n; i++) {
                ColumnDef column = columns.get(i);
                byte[] v = values[i];
                if (v == null || column.type() == ColumnType.NULL) {
                    int bit = i + 2;
                    int at = bitmapAt + bit / 8;
                    out.setByte(at, out.getByte(at) | (1 << (bit % 8)));
                } else {
                    writeValue(out, column, v, i);
                }
            }
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    private static void writeValue(ByteBuf out, ColumnDef column, byte[] v, int index) {
        switch (column.type()) {
            case ColumnType.TINY -> out.writeByte((int) integer(v, 1, column, index));
            case ColumnType.SHORT, ColumnType.YEAR -> out.writeShortLE((int) integer(v, 2, column, index));
            case ColumnType.LONG, ColumnType.INT24 -> out.writeIntLE((int) integer(v, 4, column, index));
            case ColumnType.LONGLONG -> out.writeLongLE(integer(v, 8, column, index));
            case ColumnType.FLOAT -> out.writeIntLE(Float.floatToIntBits(floating(v, column, index, true).floatValue()));
            case ColumnType.DOUBLE -> out.writeLongLE(Double.doubleToLongBits(floating(v, column, index, false)));
            case ColumnType.DATE, ColumnType.NEWDATE, ColumnType.DATETIME, ColumnType.DATETIME2, ColumnType.TIMESTAMP,
                    ColumnType.TIMESTAMP2 -> writeDate(out, ascii(v), column, index);
            case ColumnType.TIME, ColumnType.TIME2 -> writeTime(out, ascii(v), column, index);
            default -> Wire.writeLenencBytes(out, v);
        }
    }

    /** A text integer as the {@code width}-byte value; range-checked, signed or unsigned by the column's flag. */
    private static long integer(byte[] v, int width, ColumnDef column, int index) {
        String s = ascii(v);
        try {
            if (column.unsigned()) {
                long x = Long.parseUnsignedLong(s);
                if (width < 8 && (x < 0 || x >= 1L << (8 * width))) throw bad(column, index, s);
                return x;
            }
            long x = Long.parseLong(s);
            if (width < 8 && (x < -(1L << (8 * width - 1)) || x >= 1L << (8 * width - 1))) throw bad(column, index, s);
            return x;
        } catch (NumberFormatException e) {
            throw bad(column, index, s);
        }
    }

    private static Double floating(byte[] v, ColumnDef column, int index, boolean single) {
        String s = ascii(v);
        try {
            return single ? (double) Float.parseFloat(s) : Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw bad(column, index, s);
        }
    }

    /** 'YYYY-MM-DD[ HH:MM:SS[.f..]]' (1 to 6 fraction digits) to the binary date of the shortest length. */
    private static void writeDate(ByteBuf out, String s, ColumnDef column, int index) {
        int n = s.length();
        if (n != 10 && n < 19 || n > 26 || n == 20 || !digits(s, 0, 4) || s.charAt(4) != '-' || !digits(s, 5, 7)
                || s.charAt(7) != '-' || !digits(s, 8, 10)) {
            throw bad(column, index, s);
        }
        int year = Integer.parseInt(s, 0, 4, 10);
        int month = Integer.parseInt(s, 5, 7, 10);
        int day = Integer.parseInt(s, 8, 10, 10);
        int hour = 0, minute = 0, second = 0, micros = 0;
        if (n > 10) {
            if (s.charAt(10) != ' ' || !digits(s, 11, 13) || s.charAt(13) != ':' || !digits(s, 14, 16)
                    || s.charAt(16) != ':' || !digits(s, 17, 19)) {
                throw bad(column, index, s);
            }
            hour = Integer.parseInt(s, 11, 13, 10);
            minute = Integer.parseInt(s, 14, 16, 10);
            second = Integer.parseInt(s, 17, 19, 10);
            if (n > 19) micros = fraction(s, 19, column, index);
        }
        if (micros != 0) {
            out.writeByte(11);
        } else if (hour != 0 || minute != 0 || second != 0) {
            out.writeByte(7);
        } else if (year != 0 || month != 0 || day != 0) {
            out.writeByte(4);
        } else {
            out.writeByte(0);
            return;
        }
        out.writeShortLE(year).writeByte(month).writeByte(day);
        if (micros == 0 && hour == 0 && minute == 0 && second == 0) return;
        out.writeByte(hour).writeByte(minute).writeByte(second);
        if (micros != 0) out.writeIntLE(micros);
    }

    /** '[-]H..H:MM:SS[.f..]' to the binary time of the shortest length. */
    private static void writeTime(ByteBuf out, String s, ColumnDef column, int index) {
        int i = 0;
        boolean negative = s.startsWith("-");
        if (negative) i = 1;
        int colon = s.indexOf(':', i);
        int n = s.length();
        if (colon <= i || colon - i > 9 || !digits(s, i, colon) || n < colon + 6 || s.charAt(colon + 3) != ':'
                || !digits(s, colon + 1, colon + 3) || !digits(s, colon + 4, colon + 6)) {
            throw bad(column, index, s);
        }
        long hours = Long.parseLong(s, i, colon, 10);
        int minute = Integer.parseInt(s, colon + 1, colon + 3, 10);
        int second = Integer.parseInt(s, colon + 4, colon + 6, 10);
        int micros = n > colon + 6 ? fraction(s, colon + 6, column, index) : 0;
        long days = hours / 24;
        int hour = (int) (hours % 24);
        if (micros != 0) {
            out.writeByte(12);
        } else if (days != 0 || hour != 0 || minute != 0 || second != 0) {
            out.writeByte(8);
        } else {
            out.writeByte(0);
            return;
        }
        out.writeByte(negative ? 1 : 0).writeIntLE((int) days).writeByte(hour).writeByte(minute).writeByte(second);
        if (micros != 0) out.writeIntLE(micros);
    }

    /** '.' then 1 to 6 digits from {@code at} to the end, as microseconds. */
    private static int fraction(String s, int at, ColumnDef column, int index) {
        int digits = s.length() - at - 1;
        if (s.charAt(at) != '.' || digits < 1 || digits > 6 || !digits(s, at + 1, s.length())) {
            throw bad(column, index, s);
        }
        int v = Integer.parseInt(s, at + 1, s.length(), 10);
        for (int k = digits; k < 6; k++) v *= 10;
        return v;
    }

    private static boolean digits(String s, int from, int to) {
        if (to > s.length() || from >= to) return false;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return false;
        }
        return true;
    }

    private static String ascii(byte[] v) {
        return new String(v, StandardCharsets.ISO_8859_1);
    }

    private static IllegalArgumentException bad(ColumnDef column, int index, String value) {
        String shown = value.length() > 40 ? value.substring(0, 40) + "..." : value;
        return new IllegalArgumentException(String.format("column %d (%s, type 0x%02x%s) has the value '%s', which is"
                + " not of its type", index, column.name(), column.type(), column.unsigned() ? " unsigned" : "", shown));
    }
}

package io.shardgate.proxy.prepared;

import io.netty.buffer.ByteBuf;
import io.shardgate.proxy.merge.ColumnType;
import io.shardgate.proxy.protocol.MalformedPacketException;
import io.shardgate.proxy.protocol.Wire;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The parameters of a COM_STMT_EXECUTE, decoded from the binary protocol into SQL literals to put in place of
 * the statement's {@code ?} markers ({@link ParameterMarkers#substitute}).
 *
 * <pre>
 * 0x17, statement id int&lt;4&gt;, flags int&lt;1&gt;, iteration count int&lt;4&gt;
 * if params &gt; 0: null bitmap ((params + 7) / 8 bytes, parameter i = bit i % 8 of byte i / 8, no offset),
 *                new_params_bound_flag int&lt;1&gt;, if 1: params x (type int&lt;1&gt;, flag int&lt;1&gt;: 0x80 unsigned),
 *                then the value of each parameter that is neither NULL nor sent by COM_STMT_SEND_LONG_DATA
 * </pre>
 *
 * As in the server ({@code insert_params}): a parameter with long data has no value in the packet, and its null
 * bit is not looked at.
 */
public final class BinaryParameters {
    private BinaryParameters() {}

    public static final int COM_STMT_EXECUTE = 0x17;
    /** In {@link Execute#types()}: the type was sent with the unsigned flag. */
    public static final int UNSIGNED = 0x8000;

    /**
     * A decoded execution. {@code types[i]} is the type code of parameter i, {@code | UNSIGNED} when flagged so
     * (those sent now, or the previous ones when none were sent); {@code literals.get(i)} its SQL literal.
     */
    public record Execute(long statementId, int flags, int[] types, List<String> literals) {}

    /** The statement id (unsigned) of a COM_STMT_EXECUTE (or other COM_STMT_*) payload starting at the command byte. */
    public static long statementId(ByteBuf payload) {
        if (payload.readableBytes() < 5) {
            throw new MalformedPacketException("statement command of " + payload.readableBytes() + " bytes, no statement id");
        }
        return payload.getUnsignedIntLE(payload.readerIndex() + 1);
    }

    /**
     * Decodes a COM_STMT_EXECUTE payload (from the 0x17 byte), without moving the buffer's reader index.
     *
     * @param paramCount       the statement's number of markers
     * @param previousTypes    the types of the previous execution (used when none are sent), or null
     * @param longData         per parameter, the bytes sent by COM_STMT_SEND_LONG_DATA, or null (the array or an
     *                         element)
     * @param charset          the client's character set, to read string values
     * @param mysqlCharsetName its MySQL name ({@code utf8mb4}), for string values that are written in hex
     * @throws MalformedPacketException on a truncated or malformed packet
     * @throws IllegalArgumentException for values that have no SQL literal (NaN, an unknown type), or when no
     *                                  types were ever sent
     */
    public static Execute decode(ByteBuf payload, int paramCount, int[] previousTypes, byte[][] longData,
                                 Charset charset, String mysqlCharsetName) {
        Objects.requireNonNull(charset, "charset");
        checkCharsetName(mysqlCharsetName);
        ByteBuf p = payload.duplicate();
        Wire.require(p, 10, "COM_STMT_EXECUTE header");
        int command = p.readUnsignedByte();
        if (command != COM_STMT_EXECUTE) {
            throw new MalformedPacketException(String.format("not a COM_STMT_EXECUTE: command 0x%02x", command));
        }
        long statementId = p.readUnsignedIntLE();
        int flags = p.readUnsignedByte();
        p.skipBytes(4); // iteration count, always 1
        if (paramCount == 0) {
            return new Execute(statementId, flags, new int[0], List.of());
        }
        int bitmapLength = (paramCount + 7) / 8;
        Wire.require(p, bitmapLength + 1, "COM_STMT_EXECUTE null bitmap and new_params_bound_flag");
        byte[] nulls = new byte[bitmapLength];
        p.readBytes(nulls);
        boolean typesSent = p.readUnsignedByte() != 0;
        int[] types;
        if (typesSent) {
            Wire.require(p, 2 * paramCount, "COM_STMT_EXECUTE parameter types");
            types = new int[paramCount];
            for (int i = 0; i < paramCount; i++) {
                int type = p.readUnsignedByte();
                int flag = p.readUnsignedByte();
                types[i] = type | ((flag & 0x80) != 0 ? UNSIGNED : 0);
            }
        } else {
            if (previousTypes == null) {
                throw new IllegalArgumentException("COM_STMT_EXECUTE sent no parameter types, and none were bound before");
            }
            if (previousTypes.length != paramCount) {
                throw new IllegalArgumentException("previous parameter types are for " + previousTypes.length
                        + " parameters, the statement has " + paramCount);
            }
            types = previousTypes.clone();
        }
        List<String> literals = new ArrayList<>(paramCount);
        for (int i = 0; i < paramCount; i++) {
            int type = types[i] & 0xff;
            boolean unsigned = (types[i] & UNSIGNED) != 0;
            if (!supported(type)) throw unsupportedType(i, type);
            byte[] ld = longData == null || i >= longData.length ? null : longData[i];
            if (ld != null) {
                literals.add(longDataLiteral(type, ld, charset, mysqlCharsetName));
            } else if ((nulls[i >>> 3] & (1 << (i & 7))) != 0) {
                literals.add("NULL");
            } else {
                literals.add(readLiteral(p, i, type, unsigned, charset, mysqlCharsetName));
            }
        }
        return new Execute(statementId, flags, types, List.copyOf(literals));
    }

    private static String readLiteral(ByteBuf p, int index, int type, boolean unsigned, Charset charset,
                                      String csName) {
        String what = "parameter " + index;
        switch (type) {
            case ColumnType.NULL:
                return "NULL";
            case ColumnType.TINY:
                Wire.require(p, 1, what);
                return Long.toString(unsigned ? p.readUnsignedByte() : p.readByte());
            case ColumnType.SHORT:
            case ColumnType.YEAR:
                Wire.require(p, 2, what);
                return Long.toString(unsigned ? p.readUnsignedShortLE() : p.readShortLE());
            case ColumnType.LONG:
            case ColumnType.INT24:
                Wire.require(p, 4, what);
                return Long.toString(unsigned ? p.readUnsignedIntLE() : p.readIntLE());
            case ColumnType.LONGLONG: {
                Wire.require(p, 8, what);
                long v = p.readLongLE();
                return unsigned ? Long.toUnsignedString(v) : Long.toString(v);
            }
            case ColumnType.FLOAT:
                Wire.require(p, 4, what);
                return floatLiteral(Float.intBitsToFloat(p.readIntLE()), index);
            case ColumnType.DOUBLE:
                Wire.require(p, 8, what);
                return doubleLiteral(Double.longBitsToDouble(p.readLongLE()), index);
            case ColumnType.DECIMAL:
            case ColumnType.NEWDECIMAL:
                return decimalLiteral(lenencValue(p, what), charset, index);
            case ColumnType.DATE:
            case ColumnType.DATETIME:
            case ColumnType.TIMESTAMP:
                return dateLiteral(p, type, what);
            case ColumnType.TIME:
                return timeLiteral(p, what);
            case ColumnType.VARCHAR:
            case ColumnType.VAR_STRING:
            case ColumnType.STRING:
            case ColumnType.ENUM:
            case ColumnType.SET:
            case ColumnType.JSON:
                return stringLiteral(lenencValue(p, what), charset, csName);
            case ColumnType.TINY_BLOB:
            case ColumnType.MEDIUM_BLOB:
            case ColumnType.LONG_BLOB:
            case ColumnType.BLOB:
            case ColumnType.BIT:
            case ColumnType.GEOMETRY:
                return hexLiteral(lenencValue(p, what));
            default:
                throw unsupportedType(index, type);
        }
    }

    private static boolean supported(int type) {
        return switch (type) {
            case ColumnType.NULL, ColumnType.TINY, ColumnType.SHORT, ColumnType.YEAR, ColumnType.LONG, ColumnType.INT24,
                    ColumnType.LONGLONG, ColumnType.FLOAT, ColumnType.DOUBLE, ColumnType.DECIMAL, ColumnType.NEWDECIMAL,
                    ColumnType.DATE, ColumnType.DATETIME, ColumnType.TIMESTAMP, ColumnType.TIME, ColumnType.VARCHAR,
                    ColumnType.VAR_STRING, ColumnType.STRING, ColumnType.ENUM, ColumnType.SET, ColumnType.JSON,
                    ColumnType.TINY_BLOB, ColumnType.MEDIUM_BLOB, ColumnType.LONG_BLOB, ColumnType.BLOB, ColumnType.BIT,
                    ColumnType.GEOMETRY -> true;
            default -> false;
        };
    }

    /** Long data is the value's bytes: binary for the blob types, text in the client's character set otherwise. */
    private static String longDataLiteral(int type, byte[] value, Charset charset, String csName) {
        return switch (type) {
            case ColumnType.TINY_BLOB, ColumnType.MEDIUM_BLOB, ColumnType.LONG_BLOB, ColumnType.BLOB, ColumnType.BIT,
                    ColumnType.GEOMETRY -> hexLiteral(value);
            default -> stringLiteral(value, charset, csName);
        };
    }

    private static IllegalArgumentException unsupportedType(int index, int type) {
        return new IllegalArgumentException(String.format("parameter %d has type 0x%02x (%d), which prepared statements"
                + " through the proxy do not support", index, type, type));
    }

    private static byte[] lenencValue(ByteBuf p, String what) {
        Wire.require(p, 1, what);
        byte[] v = Wire.readLenencBytes(p);
        if (v == null) throw new MalformedPacketException(what + ": length 0xfb (NULL) in a parameter value");
        return v;
    }

    static String floatLiteral(float f, int index) {
        if (Float.isNaN(f) || Float.isInfinite(f)) {
            throw new IllegalArgumentException("parameter " + index + " is the FLOAT " + f + ", which MySQL has no literal for");
        }
        return scientific(Float.toString(f));
    }

    static String doubleLiteral(double d, int index) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("parameter " + index + " is the DOUBLE " + d + ", which MySQL has no literal for");
        }
        return scientific(Double.toString(d));
    }

    /**
     * Java's shortest decimal form of a float or double, with an exponent: MySQL reads a number with an exponent
     * as a double (without one, {@code 0.1} would be a DECIMAL), and the digits bring back the same value.
     */
    private static String scientific(String javaForm) {
        return javaForm.indexOf('E') >= 0 ? javaForm : javaForm + "E0";
    }

    private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?");

    private static String decimalLiteral(byte[] value, Charset charset, int index) {
        String s = new String(value, charset);
        if (!NUMBER.matcher(s).matches()) {
            throw new IllegalArgumentException("parameter " + index + " is a DECIMAL that is not a number: "
                    + (s.length() > 40 ? s.substring(0, 40) + "..." : s));
        }
        return s;
    }

    /** DATE, DATETIME, TIMESTAMP: length 0, 4 (date), 7 (and time) or 11 (and microseconds). */
    private static String dateLiteral(ByteBuf p, int type, String what) {
        Wire.require(p, 1, what);
        int length = p.readUnsignedByte();
        if (length != 0 && length != 4 && length != 7 && length != 11) {
            throw new MalformedPacketException(what + ": date value of length " + length + " (0, 4, 7 or 11)");
        }
        Wire.require(p, length, what);
        int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
        long micros = 0;
        if (length >= 4) {
            year = p.readUnsignedShortLE();
            month = p.readUnsignedByte();
            day = p.readUnsignedByte();
        }
        if (length >= 7) {
            hour = p.readUnsignedByte();
            minute = p.readUnsignedByte();
            second = p.readUnsignedByte();
        }
        if (length == 11) {
            micros = p.readUnsignedIntLE();
            checkMicros(micros, what);
        }
        StringBuilder b = new StringBuilder(28).append('\'');
        pad(b, year, 4).append('-');
        pad(b, month, 2).append('-');
        pad(b, day, 2);
        // a DATE parameter is a date whatever the length (the server reads only its date part)
        if (type != ColumnType.DATE) {
            b.append(' ');
            pad(b, hour, 2).append(':');
            pad(b, minute, 2).append(':');
            pad(b, second, 2);
            if (length == 11) pad(b.append('.'), micros, 6);
        }
        return b.append('\'').toString();
    }

    /** TIME: length 0, 8 (is_negative, days int&lt;4&gt;, hour, minute, second) or 12 (and microseconds). */
    private static String timeLiteral(ByteBuf p, String what) {
        Wire.require(p, 1, what);
        int length = p.readUnsignedByte();
        if (length != 0 && length != 8 && length != 12) {
            throw new MalformedPacketException(what + ": time value of length " + length + " (0, 8 or 12)");
        }
        Wire.require(p, length, what);
        if (length == 0) return "'00:00:00'";
        boolean negative = p.readUnsignedByte() != 0;
        long days = p.readUnsignedIntLE();
        int hour = p.readUnsignedByte();
        int minute = p.readUnsignedByte();
        int second = p.readUnsignedByte();
        long micros = 0;
        if (length == 12) {
            micros = p.readUnsignedIntLE();
            checkMicros(micros, what);
        }
        StringBuilder b = new StringBuilder(24).append('\'');
        if (negative) b.append('-');
        pad(b, days * 24 + hour, 2).append(':');
        pad(b, minute, 2).append(':');
        pad(b, second, 2);
        if (length == 12) pad(b.append('.'), micros, 6);
        return b.append('\'').toString();
    }

    private static void checkMicros(long micros, String what) {
        if (micros > 999_999) {
            throw new MalformedPacketException(what + ": " + micros + " microseconds");
        }
    }

    private static StringBuilder pad(StringBuilder b, long v, int width) {
        String s = Long.toString(v);
        for (int i = s.length(); i < width; i++) b.append('0');
        return b.append(s);
    }

    /**
     * A string value: {@code 'text'} (quotes doubled) when the bytes are text in {@code charset} that comes back to
     * the same bytes, with no backslash (its meaning depends on NO_BACKSLASH_ESCAPES) and no NUL; text with those
     * as {@code _charset X'hex'}: the same bytes in that character set, read alike in every SQL mode; bytes that
     * are not text in {@code charset} as a binary string {@code X'hex'}. (Not
     * {@code CONVERT(X'..' USING cs)}: its IMPLICIT coercibility makes a comparison with a column of another
     * collation of the same character set fail with error 1267, where a literal gives way to the column.)
     */
    static String stringLiteral(byte[] value, Charset charset, String csName) {
        String text = decodeExactly(value, charset);
        if (text == null) {
            // not text in that character set: bytes (Connector/J binds setBytes as a string type), which a
            // binary string literal carries to a BLOB or VARBINARY column unchanged
            return hexLiteral(value);
        }
        if (text.indexOf('\\') >= 0 || text.indexOf('\0') >= 0) {
            return "_" + csName + " X'" + HexFormat.of().formatHex(value) + "'";
        }
        StringBuilder b = new StringBuilder(text.length() + 2).append('\'');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\'') b.append('\'');
            b.append(c);
        }
        return b.append('\'').toString();
    }

    /** The text of {@code value} in {@code charset} if it decodes without error and encodes back to the same bytes. */
    private static String decodeExactly(byte[] value, Charset charset) {
        try {
            CharBuffer chars = charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(value));
            String text = chars.toString();
            ByteBuffer back = charset.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(text));
            byte[] bytes = new byte[back.remaining()];
            back.get(bytes);
            return Arrays.equals(bytes, value) ? text : null;
        } catch (CharacterCodingException | UnsupportedOperationException e) {
            return null;
        }
    }

    static String hexLiteral(byte[] value) {
        return "X'" + HexFormat.of().formatHex(value) + "'";
    }

    private static void checkCharsetName(String name) {
        Objects.requireNonNull(name, "mysqlCharsetName");
        if (name.isEmpty() || !name.chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
                || c >= '0' && c <= '9' || c == '_')) {
            throw new IllegalArgumentException("not a MySQL character set name: " + name);
        }
    }
}

package io.shardgate.proxy.merge;

/** The column type codes of the protocol's column definitions (Protocol::ColumnType) and their comparison family. */
public final class ColumnType {
    private ColumnType() {}

    public static final int DECIMAL = 0x00, TINY = 0x01, SHORT = 0x02, LONG = 0x03, FLOAT = 0x04, DOUBLE = 0x05,
            NULL = 0x06, TIMESTAMP = 0x07, LONGLONG = 0x08, INT24 = 0x09, DATE = 0x0a, TIME = 0x0b, DATETIME = 0x0c,
            YEAR = 0x0d, NEWDATE = 0x0e, VARCHAR = 0x0f, BIT = 0x10, TIMESTAMP2 = 0x11, DATETIME2 = 0x12, TIME2 = 0x13,
            JSON = 0xf5, NEWDECIMAL = 0xf6, ENUM = 0xf7, SET = 0xf8, TINY_BLOB = 0xf9, MEDIUM_BLOB = 0xfa,
            LONG_BLOB = 0xfb, BLOB = 0xfc, VAR_STRING = 0xfd, STRING = 0xfe, GEOMETRY = 0xff;

    /** Column flag: the integer is unsigned. */
    public static final int UNSIGNED_FLAG = 0x20;
    /** Collation id 63: bytes, compared as bytes. */
    public static final int BINARY_COLLATION = 63;

    /** How values of a column compare. */
    public enum Family { INTEGER, DECIMAL, FLOATING, TEMPORAL, TIME, TEXT, BINARY }

    public static Family family(int type, int collation) {
        return switch (type) {
            case TINY, SHORT, LONG, LONGLONG, INT24, YEAR -> Family.INTEGER;
            case DECIMAL, NEWDECIMAL -> Family.DECIMAL;
            case FLOAT, DOUBLE -> Family.FLOATING;
            // text forms 'YYYY-MM-DD[ HH:MM:SS[.ffffff]]' of one column have one width: they sort as text
            case DATE, NEWDATE, DATETIME, DATETIME2, TIMESTAMP, TIMESTAMP2 -> Family.TEMPORAL;
            case TIME, TIME2 -> Family.TIME;
            case BIT, GEOMETRY -> Family.BINARY;
            default -> collation == BINARY_COLLATION ? Family.BINARY : Family.TEXT;
        };
    }
}

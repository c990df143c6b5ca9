package io.shardgate.proxy.exec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.shardgate.proxy.merge.ColumnType;
import io.shardgate.proxy.protocol.Wire;

import java.nio.charset.StandardCharsets;

/** Rewrites of column definitions (Protocol::ColumnDefinition41) the merge needs. */
final class ColumnDefinitions {
    private ColumnDefinitions() {}

    /** MySQL's div_precision_increment: AVG of an exact number has this many more decimals than its argument. */
    static final int AVG_EXTRA_DECIMALS = 4;
    /** The most decimals a DECIMAL can have (MariaDB). */
    static final int MAX_DECIMALS = 38;

    /**
     * The definition of the SUM(x) column the shards returned, turned into the AVG(x) the client asked for:
     * named {@code label}; DECIMAL with 4 more decimals for exact types, DOUBLE stays DOUBLE.
     */
    static ByteBuf asAverage(ByteBufAllocator alloc, byte[] sumDef, String label) {
        ByteBuf in = Unpooled.wrappedBuffer(sumDef);
        byte[] catalog = Wire.readLenencBytes(in);
        byte[] schema = Wire.readLenencBytes(in);
        byte[] table = Wire.readLenencBytes(in);
        byte[] orgTable = Wire.readLenencBytes(in);
        Wire.readLenencBytes(in); // name
        Wire.readLenencBytes(in); // org_name
        Wire.readLenenc(in);      // 0x0c
        Wire.require(in, 10, "column definition");
        int collation = in.readUnsignedShortLE();
        long length = in.readUnsignedIntLE();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedShortLE();
        int decimals = in.readUnsignedByte();
        boolean floating = type == ColumnType.FLOAT || type == ColumnType.DOUBLE;
        int outType = floating ? ColumnType.DOUBLE : ColumnType.NEWDECIMAL;
        int outDecimals = floating ? decimals : Math.min(decimals + AVG_EXTRA_DECIMALS, MAX_DECIMALS);
        long outLength = floating ? length : length + AVG_EXTRA_DECIMALS;

        ByteBuf out = alloc.buffer(sumDef.length + label.length() + 8);
        Wire.writeLenencBytes(out, catalog == null ? new byte[0] : catalog);
        Wire.writeLenencBytes(out, schema == null ? new byte[0] : schema);
        Wire.writeLenencBytes(out, table == null ? new byte[0] : table);
        Wire.writeLenencBytes(out, orgTable == null ? new byte[0] : orgTable);
        Wire.writeLenencBytes(out, label.getBytes(StandardCharsets.UTF_8));
        Wire.writeLenencBytes(out, new byte[0]);
        Wire.writeLenenc(out, 0x0c);
        out.writeShortLE(collation).writeIntLE((int) outLength).writeByte(outType).writeShortLE(flags)
           .writeByte(outDecimals).writeShortLE(0);
        return out;
    }
}

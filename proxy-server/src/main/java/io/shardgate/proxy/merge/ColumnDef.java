package io.shardgate.proxy.merge;

import io.netty.buffer.ByteBuf;
import io.shardgate.proxy.protocol.Wire;

import java.nio.charset.StandardCharsets;

/** A decoded Protocol::ColumnDefinition41: what the merge needs to compare a column's values. */
public record ColumnDef(String schema, String table, String name, int collation, long length, int type, int flags,
                        int decimals) {

    public static ColumnDef decode(ByteBuf payload) {
        ByteBuf p = payload.duplicate();
        Wire.readLenencBytes(p); // catalog, always "def"
        String schema = Wire.readLenencString(p, StandardCharsets.UTF_8);
        String table = Wire.readLenencString(p, StandardCharsets.UTF_8);
        Wire.readLenencBytes(p); // org_table
        String name = Wire.readLenencString(p, StandardCharsets.UTF_8);
        Wire.readLenencBytes(p); // org_name
        Wire.readLenenc(p);      // length of the fixed fields, 0x0c
        Wire.require(p, 10, "column definition");
        int collation = p.readUnsignedShortLE();
        long length = p.readUnsignedIntLE();
        int type = p.readUnsignedByte();
        int flags = p.readUnsignedShortLE();
        int decimals = p.readUnsignedByte();
        return new ColumnDef(schema, table, name, collation, length, type, flags, decimals);
    }

    public boolean unsigned() {
        return (flags & ColumnType.UNSIGNED_FLAG) != 0;
    }

    public ColumnType.Family family() {
        return ColumnType.family(type, collation);
    }
}

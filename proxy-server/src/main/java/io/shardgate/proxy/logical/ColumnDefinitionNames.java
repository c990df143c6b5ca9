package io.shardgate.proxy.logical;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.shardgate.proxy.protocol.Wire;

import java.nio.charset.StandardCharsets;

/**
 * Renames a shard's database in a column definition (Protocol::ColumnDefinition41): the {@code schema} field
 * (what {@code ResultSetMetaData.getCatalogName} shows), and the column name {@code SHOW TABLES} gives,
 * {@code Tables_in_<database>} (with {@code " (pattern)"} after it for {@code LIKE}), in {@code name} and
 * {@code org_name}. Only reads the definition when nothing is to change, so asking about every definition of
 * every result costs a few comparisons.
 */
public final class ColumnDefinitionNames {
    private static final byte[] TABLES_IN = "Tables_in_".getBytes(StandardCharsets.US_ASCII);

    private final ShardDatabases dbs;
    private final byte[] logical;

    public ColumnDefinitionNames(ShardDatabases dbs) {
        this.dbs = dbs;
        this.logical = dbs.logical().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The definition whose payload is the {@code length} bytes at {@code index}, renamed; null when it names no
     * shard database (or is not a definition this can read: it is then relayed as it came).
     */
    public ByteBuf rewrite(ByteBufAllocator alloc, ByteBuf buf, int index, int length) {
        int end = index + length;
        // where each field's length prefix starts (catalog at index); -1 past the end of a malformed definition
        int schemaField = next(buf, index, end);
        int tableField = next(buf, schemaField, end);
        int nameField = next(buf, next(buf, tableField, end), end); // after org_table
        int orgNameField = next(buf, nameField, end);
        int fixedFields = next(buf, orgNameField, end);
        if (fixedFields < 0) return null;
        boolean schema = dbs.isPhysical(buf, value(buf, schemaField), valueLength(buf, schemaField));
        int name = tablesInPrefix(buf, nameField);
        int orgName = tablesInPrefix(buf, orgNameField);
        if (!schema && name < 0 && orgName < 0) return null;

        ByteBuf out = alloc.buffer(length + 2 * logical.length);
        copy(buf, index, schemaField, out);
        if (schema) Wire.writeLenencBytes(out, logical);
        else copy(buf, schemaField, tableField, out);
        copy(buf, tableField, nameField, out); // table, org_table
        renamed(buf, nameField, name, out);
        renamed(buf, orgNameField, orgName, out);
        copy(buf, fixedFields, end, out);
        return out;
    }

    /** Where the field after the one at {@code field} starts; -1 when either is not within {@code end}. */
    private static int next(ByteBuf buf, int field, int end) {
        if (field < 0 || field >= end) return -1;
        long n = Math.max(Wire.getLenenc(buf, field), 0);
        int size = Wire.lenencSize(buf, field);
        return n > end - field - size ? -1 : field + size + (int) n;
    }

    /**
     * For a {@code Tables_in_<shard database>[ (...)]} name whose length prefix is at {@code field}: how many bytes of
     * its value the prefix and database take; -1 for any other name.
     */
    private int tablesInPrefix(ByteBuf buf, int field) {
        int v = value(buf, field);
        int n = valueLength(buf, field);
        if (n <= TABLES_IN.length) return -1;
        for (int i = 0; i < TABLES_IN.length; i++) if (buf.getByte(v + i) != TABLES_IN[i]) return -1;
        int db = dbs.physicalPrefix(buf, v + TABLES_IN.length, n - TABLES_IN.length);
        if (db < 0) return -1;
        int after = TABLES_IN.length + db;
        return after == n || buf.getByte(v + after) == ' ' ? after : -1;
    }

    /** Writes the name field at {@code field}, its first {@code prefix} bytes as {@code Tables_in_<logical>} (when not -1). */
    private void renamed(ByteBuf buf, int field, int prefix, ByteBuf out) {
        if (prefix < 0) {
            copy(buf, field, value(buf, field) + valueLength(buf, field), out);
            return;
        }
        int v = value(buf, field);
        int rest = valueLength(buf, field) - prefix;
        Wire.writeLenenc(out, TABLES_IN.length + logical.length + rest);
        out.writeBytes(TABLES_IN).writeBytes(logical).writeBytes(buf, v + prefix, rest);
    }

    private static int value(ByteBuf buf, int field) {
        return field + Wire.lenencSize(buf, field);
    }

    private static int valueLength(ByteBuf buf, int field) {
        return (int) Math.max(Wire.getLenenc(buf, field), 0);
    }

    private static void copy(ByteBuf buf, int from, int to, ByteBuf out) {
        out.writeBytes(buf, from, to - from);
    }
}

package io.shardgate.proxy.logical;

import io.netty.buffer.ByteBuf;
import io.shardgate.rules.ShardDef;
import io.shardgate.rules.ShardMap;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The names the logical schema stands for: the shards' physical databases, which clients should not see, and the
 * logical schema's name that replaces them. Names are compared ignoring ASCII case, as servers with
 * {@code lower_case_table_names} report them either way. Immutable.
 */
public final class ShardDatabases {
    private final String logical;
    private final String defaultDatabase;
    /** Longest first, so that of two names where one starts the other the longer is tried first. */
    private final List<String> physical;
    private final byte[][] physicalBytes;

    public ShardDatabases(String logical, String defaultDatabase, List<String> physical) {
        this.logical = logical;
        this.defaultDatabase = defaultDatabase;
        List<String> sorted = new ArrayList<>(physical.stream().distinct().toList());
        sorted.sort(Comparator.comparingInt(String::length).reversed());
        this.physical = List.copyOf(sorted);
        this.physicalBytes = new byte[sorted.size()][];
        for (int i = 0; i < sorted.size(); i++) physicalBytes[i] = sorted.get(i).getBytes(StandardCharsets.UTF_8);
    }

    /** The map's names; null when it declares no shards or no schema (nothing is renamed then). */
    public static ShardDatabases of(ShardMap map) {
        if (map.shards().isEmpty() || map.schema() == null) return null;
        List<String> dbs = new ArrayList<>();
        for (ShardDef s : map.shards().values()) dbs.add(s.database());
        return new ShardDatabases(map.schema(), map.shard(map.defaultShard()).database(), dbs);
    }

    public String logical() {
        return logical;
    }

    /** The default shard's database: the one that answers for the logical schema's metadata. */
    public String defaultDatabase() {
        return defaultDatabase;
    }

    /** The shards' databases, longest first. */
    public List<String> physical() {
        return physical;
    }

    public boolean isPhysical(String name) {
        if (name == null) return false;
        for (String p : physical) if (p.equalsIgnoreCase(name)) return true;
        return false;
    }

    public boolean isLogical(String name) {
        return name != null && name.equalsIgnoreCase(logical);
    }

    /** Whether the {@code length} bytes at {@code index} are a shard's database name; allocates nothing. */
    public boolean isPhysical(ByteBuf buf, int index, int length) {
        for (byte[] p : physicalBytes) {
            if (p.length == length && startsWith(buf, index, p)) return true;
        }
        return false;
    }

    /**
     * The length of the shard database name that the {@code length} bytes at {@code index} start with, the
     * longest when several do; -1 when none does.
     */
    public int physicalPrefix(ByteBuf buf, int index, int length) {
        for (byte[] p : physicalBytes) {
            if (p.length <= length && startsWith(buf, index, p)) return p.length;
        }
        return -1;
    }

    private static boolean startsWith(ByteBuf buf, int index, byte[] name) {
        for (int i = 0; i < name.length; i++) {
            byte b = buf.getByte(index + i);
            if (b != name[i] && lower(b) != lower(name[i])) return false;
        }
        return true;
    }

    private static int lower(byte b) {
        return b >= 'A' && b <= 'Z' ? b + 32 : b;
    }

    @Override
    public String toString() {
        return logical + " for " + String.join(", ", physical);
    }
}

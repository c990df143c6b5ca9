package io.shardgate.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Hash sharding through slots: key {@code k} has slot {@code Math.floorMod(k, slots)} (never negative: with 1024
 * slots, key -1 is slot 1023), and each slot is owned by one shard. Every key maps to a shard. Keys move between
 * shards a slot at a time by reassigning slots, without touching the other slots' keys.
 *
 * <p>The slot table is an {@code int[]} of shard indexes: a lookup is one modulo and two array reads.
 */
public final class HashSlotAlgorithm implements ShardingAlgorithm {
    /** Upper bound for {@code slots}: plenty for moving data in small steps, and the table stays 256 KiB at most. */
    public static final int MAX_SLOTS = 65536;

    private final int[] owner;          // slot -> index into shards
    private final List<String> shards;

    /**
     * @param ownerBySlot the owning shard of each slot, slot 0 first; its size is the number of slots
     *                    (1..{@link #MAX_SLOTS}). {@link #shards()} lists the owners in order of their first slot.
     */
    public HashSlotAlgorithm(List<String> ownerBySlot) {
        int slots = ownerBySlot.size();
        if (slots < 1 || slots > MAX_SLOTS) {
            throw new IllegalArgumentException(slots + " slots is not in 1.." + MAX_SLOTS);
        }
        owner = new int[slots];
        List<String> names = new ArrayList<>();
        for (int slot = 0; slot < slots; slot++) {
            String shard = ownerBySlot.get(slot);
            if (shard == null) throw new IllegalArgumentException("slot " + slot + " has no shard");
            int s = names.indexOf(shard);
            if (s < 0) {
                s = names.size();
                names.add(shard);
            }
            owner[slot] = s;
        }
        shards = List.copyOf(names);
    }

    public int slots() {
        return owner.length;
    }

    /** The shard owning {@code slot} (0..slots-1). */
    public String shardOfSlot(int slot) {
        return shards.get(owner[slot]);
    }

    @Override
    public String shardFor(long key) {
        return shards.get(owner[Math.floorMod(key, owner.length)]);
    }

    /**
     * Exact: consecutive keys have consecutive slots (wrapping), so an interval of {@code slots} keys or more touches
     * every shard, and a shorter one is a walk over at most {@code slots} entries of the table.
     */
    @Override
    public Set<String> shardsFor(long fromInclusive, long toInclusive) {
        if (fromInclusive > toInclusive) return Set.of();
        int slots = owner.length;
        // to - from, read unsigned, is the true distance even when the subtraction overflows a signed long
        if (Long.compareUnsigned(toInclusive - fromInclusive, slots - 1) >= 0) return ShardSets.all(shards);
        boolean[] hit = new boolean[shards.size()];
        int found = 0;
        int slot = Math.floorMod(fromInclusive, slots);
        for (long k = 0, count = toInclusive - fromInclusive + 1; k < count && found < hit.length; k++) {
            int s = owner[slot];
            if (!hit[s]) {
                hit[s] = true;
                found++;
            }
            slot = slot + 1 == slots ? 0 : slot + 1;
        }
        return ShardSets.of(shards, hit);
    }

    @Override
    public List<String> shards() {
        return shards;
    }

    @Override
    public String toString() {
        return "hash " + owner.length + " slots over " + shards;
    }
}

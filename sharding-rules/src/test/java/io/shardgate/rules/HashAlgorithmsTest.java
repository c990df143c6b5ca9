package io.shardgate.rules;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Table-driven: hash mod N and hash slots, negative keys and the ends of the long range included. */
class HashAlgorithmsTest {

    private static final HashModAlgorithm MOD4 = new HashModAlgorithm(List.of("s2", "s0", "s3", "s1"));

    /** 8 slots: 0-2 -> a, 3-5 -> b, 6-7 -> c. */
    private static final HashSlotAlgorithm SLOTS8 = new HashSlotAlgorithm(List.of("a", "a", "a", "b", "b", "b", "c", "c"));

    @ParameterizedTest(name = "key {0} -> {1}")
    @CsvSource(textBlock = """
            0,                    s2
            1,                    s0
            2,                    s3
            3,                    s1
            4,                    s2
            -1,                   s1
            -4,                   s2
            -5,                   s1
            9223372036854775807,  s1
            -9223372036854775808, s2
            -9223372036854775807, s0
            """)
    void hashModIndexesTheListedShardsByFloorMod(long key, String shard) {
        // MAX = 4k + 3 -> index 3; MIN = -2^63 is divisible by 4 -> index 0
        assertThat(MOD4.shardFor(key)).isEqualTo(shard);
    }

    @ParameterizedTest(name = "key {0} -> slot {1} -> {2}")
    @CsvSource(textBlock = """
            0,                    0, a
            2,                    2, a
            3,                    3, b
            7,                    7, c
            8,                    0, a
            -1,                   7, c
            -3,                   5, b
            -8,                   0, a
            -9,                   7, c
            9223372036854775807,  7, c
            -9223372036854775808, 0, a
            """)
    void hashSlotsMapKeyToSlotByFloorModThenSlotToShard(long key, int slot, String shard) {
        assertThat(Math.floorMod(key, 8)).isEqualTo(slot);
        assertThat(SLOTS8.shardOfSlot(slot)).isEqualTo(shard);
        assertThat(SLOTS8.shardFor(key)).isEqualTo(shard);
    }

    @ParameterizedTest(name = "mod [{0}, {1}] -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            0                    | 0                   | s2
            3                    | 4                   | s2 s1
            -2                   | -1                  | s3 s1
            1                    | 3                   | s0 s3 s1
            5                    | 8                   | s2 s0 s3 s1
            -9223372036854775808 | 9223372036854775807 | s2 s0 s3 s1
            9223372036854775806  | 9223372036854775807 | s3 s1
            -9223372036854775808 | -9223372036854775807| s2 s0
            7                    | 6                   | ''
            """)
    void hashModShardsForAnIntervalAreExact(long from, long to, String shards) {
        List<String> expected = shards.isEmpty() ? List.of() : List.of(shards.split(" "));
        assertThat(MOD4.shardsFor(from, to)).containsExactlyElementsOf(expected);
    }

    @ParameterizedTest(name = "slots [{0}, {1}] -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            0                    | 2                   | a
            2                    | 3                   | a b
            6                    | 8                   | a c
            -2                   | -1                  | c
            -3                   | 0                   | a b c
            5                    | 12                  | a b c
            9223372036854775807  | 9223372036854775807 | c
            -9223372036854775808 | 9223372036854775807 | a b c
            1                    | 0                   | ''
            """)
    void hashSlotShardsForAnIntervalAreExact(long from, long to, String shards) {
        List<String> expected = shards.isEmpty() ? List.of() : List.of(shards.split(" "));
        assertThat(SLOTS8.shardsFor(from, to)).containsExactlyElementsOf(expected);
    }

    @Test
    void aLongIntervalOnALargeSlotTableNeedsNoWalk() {
        List<String> owners = new ArrayList<>(Collections.nCopies(HashSlotAlgorithm.MAX_SLOTS, "a"));
        owners.set(HashSlotAlgorithm.MAX_SLOTS - 1, "b");
        HashSlotAlgorithm big = new HashSlotAlgorithm(owners);
        assertThat(big.slots()).isEqualTo(65536);
        assertThat(big.shardsFor(0, 65534)).containsExactly("a");
        assertThat(big.shardsFor(-1, -1)).containsExactly("b");
        assertThat(big.shardsFor(1, 65536)).containsExactly("a", "b");
    }

    @Test
    void shardListsAreInDeclarationOrderAndImmutable() {
        assertThat(MOD4.shards()).containsExactly("s2", "s0", "s3", "s1");
        assertThat(SLOTS8.shards()).containsExactly("a", "b", "c");
        assertThatThrownBy(() -> MOD4.shards().add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> MOD4.shardsFor(0, 10).clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void refusesMalformedDefinitions() {
        assertThatThrownBy(() -> new HashModAlgorithm(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HashModAlgorithm(List.of("a", "b", "a")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
        assertThatThrownBy(() -> new HashSlotAlgorithm(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HashSlotAlgorithm(Collections.nCopies(HashSlotAlgorithm.MAX_SLOTS + 1, "a")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("65537 slots is not in 1..65536");
        assertThatThrownBy(() -> new HashSlotAlgorithm(java.util.Arrays.asList("a", null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("slot 1 has no shard");
    }
}

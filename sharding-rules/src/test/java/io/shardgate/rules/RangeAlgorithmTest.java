package io.shardgate.rules;

import io.shardgate.rules.RangeAlgorithm.Range;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class RangeAlgorithmTest {

    // declared out of order on purpose: the algorithm sorts; s0 owns two separate ranges
    private static final RangeAlgorithm USER = new RangeAlgorithm("user", "uid", List.of(
            new Range(0, 10_000_000, "s1"),
            new Range(-1_000, 0, "s0"),
            new Range(10_000_000, 20_000_000, "s2"),
            new Range(20_000_000, 20_000_001, "s0")));

    @ParameterizedTest(name = "uid {0} -> {1}")
    @CsvSource(textBlock = """
            -1000,    s0
            -1,       s0
            0,        s1
            1,        s1
            9999999,  s1
            10000000, s2
            19999999, s2
            20000000, s0
            """)
    void findsTheRangeHoldingTheKey(long key, String shard) {
        assertThat(USER.shardFor(key)).isEqualTo(shard);
    }

    @ParameterizedTest(name = "uid {0} is in no range")
    @CsvSource(textBlock = """
            -1001
            20000001
            -9223372036854775808
            9223372036854775807
            """)
    void keysOutsideTheRangesHaveNoShard(long key) {
        NoShardException e = catchThrowableOfType(NoShardException.class, () -> USER.shardFor(key));
        assertThat(e).isNotNull();
        assertThat(e.table()).isEqualTo("user");
        assertThat(e.keyColumn()).isEqualTo("uid");
        assertThat(e.value()).isEqualTo(key);
        assertThat(e).hasMessage("table user has no shard for uid = " + key
                + ": its ranges cover -1000 <= uid < 20000001 only");
    }

    @ParameterizedTest(name = "[{0}, {1}] -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            0                    | 0                   | s1
            -1                   | 0                   | s0 s1
            9999999              | 10000000            | s1 s2
            10000000             | 19999999            | s2
            -5000                | -1001               | ''
            -5000                | -1000               | s0
            20000001             | 9223372036854775807 | ''
            19999999             | 9223372036854775807 | s0 s2
            -9223372036854775808 | 9223372036854775807 | s0 s1 s2
            5                    | 4                   | ''
            """)
    void shardsForAnIntervalAreTheShardsOfTheOverlappingRanges(long from, long to, String shards) {
        List<String> expected = shards.isEmpty() ? List.of() : List.of(shards.split(" "));
        // iteration order is shards() order: s0 first (it owns the lowest range)
        assertThat(USER.shardsFor(from, to)).containsExactlyElementsOf(expected);
    }

    @Test
    void rangesAreSortedAndShardsListedInRangeOrder() {
        assertThat(USER.ranges()).extracting(Range::from).containsExactly(-1_000L, 0L, 10_000_000L, 20_000_000L);
        assertThat(USER.shards()).containsExactly("s0", "s1", "s2");
        assertThatThrownBy(() -> USER.ranges().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void theLargestRangePossibleStopsBelowLongMaxValue() {
        RangeAlgorithm all = new RangeAlgorithm("t", "k", List.of(new Range(Long.MIN_VALUE, Long.MAX_VALUE, "s0")));
        assertThat(all.shardFor(Long.MIN_VALUE)).isEqualTo("s0");
        assertThat(all.shardFor(Long.MAX_VALUE - 1)).isEqualTo("s0");
        assertThatThrownBy(() -> all.shardFor(Long.MAX_VALUE)).isInstanceOf(NoShardException.class);
        assertThat(all.shardsFor(Long.MAX_VALUE, Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void refusesRangesThatDoNotTouch() {
        assertThatThrownBy(() -> new RangeAlgorithm("t", "k", List.of(new Range(0, 10, "a"), new Range(11, 20, "b"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("gap between [0, 10) -> a and [11, 20) -> b");
        assertThatThrownBy(() -> new RangeAlgorithm("t", "k", List.of(new Range(0, 10, "a"), new Range(9, 20, "b"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("overlap between [0, 10) -> a and [9, 20) -> b");
        assertThatThrownBy(() -> new Range(5, 5, "a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RangeAlgorithm("t", "k", List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}

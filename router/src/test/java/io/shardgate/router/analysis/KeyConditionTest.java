package io.shardgate.router.analysis;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.function.LongPredicate;
import java.util.stream.Stream;

import static io.shardgate.router.analysis.Fixtures.row;
import static io.shardgate.router.analysis.KeyCondition.ANY;
import static io.shardgate.router.analysis.KeyCondition.NONE;
import static io.shardgate.router.analysis.KeyCondition.and;
import static io.shardgate.router.analysis.KeyCondition.between;
import static io.shardgate.router.analysis.KeyCondition.eq;
import static io.shardgate.router.analysis.KeyCondition.in;
import static io.shardgate.router.analysis.KeyCondition.or;
import static io.shardgate.router.analysis.KeyCondition.range;
import static io.shardgate.router.analysis.Operand.lit;
import static io.shardgate.router.analysis.Operand.param;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The condition algebra on its own: normalisation, printing, binding. */
class KeyConditionTest {

    static Stream<Arguments> normalisation() {
        return Stream.of(
                row(eq(5), "=5"),
                row(in(3, 1, 2, 3), "in(1,2,3)"),
                row(in(List.of()), "none"),
                row(in(List.of(param(1), lit(4), param(0))), "in(4,?0,?1)"),
                row(range(lit(5), false, null, false), "[6,+inf)"),
                row(range(null, false, lit(5), false), "(-inf,4]"),
                row(range(lit(Long.MAX_VALUE), false, null, false), "none"),
                row(range(null, false, lit(Long.MIN_VALUE), false), "none"),
                row(range(null, false, null, false), "any"),
                row(between(3, 3), "=3"),
                row(between(4, 3), "none"),
                row(range(param(0), false, lit(9), false), "(?0,8]"),
                row(and(ANY, eq(1)), "=1"),
                row(and(NONE, eq(1)), "none"),
                row(and(), "any"),
                row(and(in(1, 2, 3), in(2, 3, 4), between(3, 10)), "=3"),
                row(and(between(1, 10), between(5, 20)), "[5,10]"),
                row(and(between(1, 4), between(5, 20)), "none"),
                row(and(eq(1), eq(param(0))), "and(=1, =?0)"),
                row(and(eq(param(0)), eq(param(0))), "=?0"),
                row(and(and(eq(1), eq(param(0))), in(1, 2)), "and(=1, =?0)"),
                row(or(), "none"),
                row(or(NONE, eq(1)), "=1"),
                row(or(ANY, eq(1)), "any"),
                row(or(eq(1), in(2, 3), eq(param(2))), "in(1,2,3,?2)"),
                row(or(between(1, 3), between(4, 6)), "[1,6]"),
                row(or(between(1, 3), between(5, 6)), "or([1,3], [5,6])"),
                row(or(between(5, 6), eq(2), between(1, 3)), "or([1,3], [5,6])"),
                row(or(range(null, false, lit(0), true), range(lit(0), true, null, false)), "any"),
                row(or(eq(7), range(lit(7), true, null, false)), "[7,+inf)"),
                row(or(eq(8), range(param(0), true, null, false)), "or(=8, [?0,+inf))"),
                row(or(and(eq(1), eq(param(0))), eq(2)), "or(=2, and(=1, =?0))"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("normalisation")
    void normalises(KeyCondition c, String printed) {
        assertThat(c).hasToString(printed);
    }

    @Test
    void recordsAreValuesAndValidate() {
        assertThat(in(2, 1)).isEqualTo(in(1, 2));
        assertThat(between(1, 3)).isEqualTo(range(lit(0), false, lit(4), false));
        assertThatThrownBy(() -> new KeyCondition.Values(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new KeyCondition.Range(null, false, null, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new KeyCondition.And(List.of(ANY))).isInstanceOf(IllegalArgumentException.class);
        assertThat(ANY.isAny()).isTrue();
        assertThat(eq(1).isAny()).isFalse();
        assertThat(((KeyCondition.Values) in(List.of(lit(3), param(1)))).literals()).containsExactly(3L);
        assertThat(((KeyCondition.Values) in(List.of(lit(3), param(1)))).params()).containsExactly(1);
    }

    @Test
    void mayMatchTreatsParametersAsUnknown() {
        assertThat(eq(param(0)).mayMatch(42)).isTrue();
        assertThat(and(eq(1), eq(param(0))).mayMatch(2)).isFalse();
        assertThat(range(param(0), true, lit(10), true).mayMatch(11)).isFalse();
        assertThat(range(param(0), true, lit(10), true).mayMatch(-100)).isTrue();
        assertThat(NONE.mayMatch(0)).isFalse();
    }

    @Test
    void binding() {
        KeyCondition c = and(in(List.of(param(0), param(1))), range(lit(0), true, param(2), false));
        assertThat(c.bind(List.of(3L, 30L, 10L))).hasToString("=3");
        assertThat(c.bind(List.of(3, 4, 10))).hasToString("in(3,4)");
        assertThat(c.bind(List.of(3L, 4L))).hasToString("in(3,4)"); // ?2 missing: that bound stops restricting
        assertThat(c.bind(List.of(new java.math.BigDecimal("3"), java.math.BigInteger.valueOf(4), (short) 10))).hasToString("in(3,4)");
        assertThat(c.bind(List.of(new java.math.BigDecimal("3.5"), 4L, 10L))).hasToString("[0,9]");
        assertThat(c.bind(java.util.Arrays.asList(null, 4L, 10L))).hasToString("[0,9]");
        assertThat(eq(5).bind(List.of())).isEqualTo(eq(5));
    }

    // ------------------------------------------------------------------ property: normalisation keeps meaning

    /** A condition built without normalisation, with its meaning as a predicate. */
    record Spec(KeyCondition built, LongPredicate meaning, String text) { }

    private static Arbitrary<Long> v() {
        return Arbitraries.longs().between(-5, 5);
    }

    private static Arbitrary<Spec> leaf() {
        Arbitrary<Spec> eqs = v().map(x -> new Spec(eq(x), k -> k == x, "=" + x));
        Arbitrary<Spec> ins = v().list().ofMinSize(0).ofMaxSize(3).map(xs -> new Spec(
                in(xs.stream().map(Operand::lit).toList()), xs::contains, "in" + xs));
        Arbitrary<Spec> ranges = Combinators.combine(v().injectNull(0.2), Arbitraries.of(true, false), v().injectNull(0.2), Arbitraries.of(true, false))
                .as((lo, li, hi, hin) -> new Spec(range(lo == null ? null : lit(lo), li, hi == null ? null : lit(hi), hin),
                        k -> (lo == null || (li ? k >= lo : k > lo)) && (hi == null || (hin ? k <= hi : k < hi)),
                        "range(" + lo + (li ? "i" : "x") + "," + hi + (hin ? "i" : "x") + ")"));
        Arbitrary<Spec> consts = Arbitraries.of(new Spec(ANY, k -> true, "any"), new Spec(NONE, k -> false, "none"));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, eqs), net.jqwik.api.Tuple.of(3, ins),
                net.jqwik.api.Tuple.of(4, ranges), net.jqwik.api.Tuple.of(1, consts));
    }

    @Provide
    Arbitrary<Spec> specs() {
        return Arbitraries.recursive(KeyConditionTest::leaf, s -> Arbitraries.oneOf(
                s.list().ofMinSize(1).ofMaxSize(3).map(l -> new Spec(and(l.stream().map(Spec::built).toList()),
                        k -> l.stream().allMatch(x -> x.meaning().test(k)), "and" + l.stream().map(Spec::text).toList())),
                s.list().ofMinSize(1).ofMaxSize(3).map(l -> new Spec(or(l.stream().map(Spec::built).toList()),
                        k -> l.stream().anyMatch(x -> x.meaning().test(k)), "or" + l.stream().map(Spec::text).toList()))),
                0, 3);
    }

    @net.jqwik.api.Property(tries = 1000)
    void normalisedConditionsMeanWhatTheyWereBuiltFrom(@ForAll("specs") Spec s) {
        for (long k = -8; k <= 8; k++) {
            assertThat(s.built().mayMatch(k)).as("%s -> %s at %d", s.text(), s.built(), k).isEqualTo(s.meaning().test(k));
        }
        // literal-only conditions normalise to at most one Values term, merged ranges, no nested And
        assertThat(s.built()).isNotInstanceOf(KeyCondition.And.class);
    }
}

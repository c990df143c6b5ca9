package io.shardgate.router.analysis;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random WHERE clauses over the key: the extracted condition must never exclude a key value for which the WHERE
 * could be true ("never narrow wrongly"); for clauses made only of =, IN, ranges, BETWEEN, AND, OR over literals it
 * must be exact; and binding placeholders must give the same condition as writing the literals.
 */
class ConditionSoundnessTest {

    private static final int K = 9; // key values checked: -K..K; literals are drawn from -6..6

    /** A generated predicate with its own three-valued evaluation (unknown atoms may be true or false). */
    interface Expr {
        String sql(List<Long> params); // params == null: literals; else '?' and the value appended

        boolean possiblyTrue(long k);

        boolean possiblyFalse(long k);

        boolean pure(); // only key comparisons, AND, OR
    }

    static String lit(long v, List<Long> params) {
        if (params == null) return Long.toString(v);
        params.add(v);
        return "?";
    }

    record Cmp(String op, long v, boolean keyLeft) implements Expr {
        public String sql(List<Long> p) {
            return keyLeft ? "uid " + op + " " + lit(v, p) : lit(v, p) + " " + op + " uid";
        }

        boolean truth(long k) {
            long l = keyLeft ? k : v, r = keyLeft ? v : k;
            return switch (op) {
                case "=", "<=>" -> l == r;
                case "<" -> l < r;
                case "<=" -> l <= r;
                case ">" -> l > r;
                case ">=" -> l >= r;
                default -> throw new IllegalStateException(op);
            };
        }

        public boolean possiblyTrue(long k) {
            return truth(k);
        }

        public boolean possiblyFalse(long k) {
            return !truth(k);
        }

        public boolean pure() {
            return true;
        }
    }

    record In(List<Long> values) implements Expr {
        public String sql(List<Long> p) {
            return "uid IN (" + values.stream().map(v -> lit(v, p)).collect(Collectors.joining(", ")) + ")";
        }

        public boolean possiblyTrue(long k) {
            return values.contains(k);
        }

        public boolean possiblyFalse(long k) {
            return !values.contains(k);
        }

        public boolean pure() {
            return true;
        }
    }

    record Between(long lo, long hi) implements Expr {
        public String sql(List<Long> p) {
            String l = lit(lo, p);
            return "uid BETWEEN " + l + " AND " + lit(hi, p);
        }

        public boolean possiblyTrue(long k) {
            return lo <= k && k <= hi;
        }

        public boolean possiblyFalse(long k) {
            return !possiblyTrue(k);
        }

        public boolean pure() {
            return true;
        }
    }

    /** Something the extractor must not use to narrow: other columns, functions of the key, negations... */
    record Unknown(String text) implements Expr {
        public String sql(List<Long> p) {
            return text;
        }

        public boolean possiblyTrue(long k) {
            return true;
        }

        public boolean possiblyFalse(long k) {
            return true;
        }

        public boolean pure() {
            return false;
        }
    }

    record Not(Expr x) implements Expr {
        public String sql(List<Long> p) {
            return "NOT (" + x.sql(p) + ")";
        }

        public boolean possiblyTrue(long k) {
            return x.possiblyFalse(k);
        }

        public boolean possiblyFalse(long k) {
            return x.possiblyTrue(k);
        }

        public boolean pure() {
            return false;
        }
    }

    record And(Expr a, Expr b) implements Expr {
        public String sql(List<Long> p) {
            String l = a.sql(p);
            return "(" + l + " AND " + b.sql(p) + ")";
        }

        public boolean possiblyTrue(long k) {
            return a.possiblyTrue(k) && b.possiblyTrue(k);
        }

        public boolean possiblyFalse(long k) {
            return a.possiblyFalse(k) || b.possiblyFalse(k);
        }

        public boolean pure() {
            return a.pure() && b.pure();
        }
    }

    record Or(Expr a, Expr b) implements Expr {
        public String sql(List<Long> p) {
            String l = a.sql(p);
            return "(" + l + " OR " + b.sql(p) + ")";
        }

        public boolean possiblyTrue(long k) {
            return a.possiblyTrue(k) || b.possiblyTrue(k);
        }

        public boolean possiblyFalse(long k) {
            return a.possiblyFalse(k) && b.possiblyFalse(k);
        }

        public boolean pure() {
            return a.pure() && b.pure();
        }
    }

    private static Arbitrary<Long> value() {
        return Arbitraries.longs().between(-6, 6);
    }

    private static Arbitrary<Expr> keyAtom() {
        Arbitrary<Expr> cmp = Combinators.combine(Arbitraries.of("=", "<=>", "<", "<=", ">", ">="), value(), Arbitraries.of(true, false))
                .as(Cmp::new);
        Arbitrary<Expr> in = value().list().ofMinSize(1).ofMaxSize(4).map(In::new);
        Arbitrary<Expr> between = Combinators.combine(value(), value()).as(Between::new);
        return Arbitraries.oneOf(cmp, in, between);
    }

    private static Arbitrary<Expr> unknownAtom() {
        return Arbitraries.of("name = 'uid = 1'", "a > 3", "abs(uid) = 2", "uid <> 3", "uid NOT IN (1, 2)",
                "uid = other", "uid IS NULL", "uid = '4'", "uid = 2.5", "uid + 1 = 3", "uid IN (1, a)",
                "uid NOT BETWEEN 0 AND 2", "t.x = 1", "uid = (SELECT 1)", "uid IN (SELECT uid FROM orders)")
                .map(Unknown::new);
    }

    private static Arbitrary<Expr> tree(Arbitrary<Expr> atoms, boolean withNot) {
        return Arbitraries.recursive(() -> atoms, e -> {
            List<Arbitrary<? extends Expr>> forms = new ArrayList<>();
            forms.add(Combinators.combine(e, e).as(And::new));
            forms.add(Combinators.combine(e, e).as(Or::new));
            if (withNot) forms.add(e.map(Not::new));
            return Arbitraries.oneOf(forms);
        }, 0, 4);
    }

    @Provide
    Arbitrary<Expr> anyWhere() {
        return tree(Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, keyAtom()), net.jqwik.api.Tuple.of(1, unknownAtom())), true);
    }

    @Provide
    Arbitrary<Expr> pureWhere() {
        return tree(keyAtom(), false);
    }

    private static KeyCondition extract(String where) {
        StatementFacts f = Fixtures.analyze("SELECT * FROM t WHERE " + where);
        assertThat(f.error()).as(where).isNull();
        return f.tables().get(0).condition();
    }

    @Property(tries = 600)
    void neverExcludesAPossibleKey(@ForAll("anyWhere") Expr e) {
        String where = e.sql(null);
        KeyCondition c = extract(where);
        for (long k = -K; k <= K; k++) {
            if (e.possiblyTrue(k)) {
                assertThat(c.mayMatch(k)).as("WHERE %s can hold for uid=%d, condition %s", where, k, c).isTrue();
            }
        }
    }

    @Property(tries = 600)
    void exactForPureKeyPredicates(@ForAll("pureWhere") Expr e) {
        String where = e.sql(null);
        KeyCondition c = extract(where);
        assertThat(c.hasParams()).isFalse();
        for (long k = -K; k <= K; k++) {
            assertThat(c.mayMatch(k)).as("WHERE %s at uid=%d, condition %s", where, k, c).isEqualTo(e.possiblyTrue(k));
        }
    }

    @Property(tries = 400)
    void bindingPlaceholdersEqualsWritingLiterals(@ForAll("anyWhere") Expr e) {
        List<Long> params = new ArrayList<>();
        String withParams = e.sql(params);
        KeyCondition literal = extract(e.sql(null));
        KeyCondition bound = extract(withParams).bind(params);
        assertThat(bound.hasParams()).isFalse();
        for (long k = -K; k <= K; k++) {
            assertThat(bound.mayMatch(k)).as("%s with %s: bound %s, literal %s, uid=%d", withParams, params, bound, literal, k)
                    .isEqualTo(literal.mayMatch(k));
        }
    }

    @Property(tries = 200)
    void unboundPlaceholdersNeverExclude(@ForAll("anyWhere") Expr e) {
        List<Long> params = new ArrayList<>();
        String withParams = e.sql(params);
        KeyCondition c = extract(withParams);
        for (long k = -K; k <= K; k++) {
            if (e.possiblyTrue(k)) assertThat(c.mayMatch(k)).as("%s uid=%d: %s", withParams, k, c).isTrue();
        }
    }
}

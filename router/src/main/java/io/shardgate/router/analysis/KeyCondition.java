package io.shardgate.router.analysis;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntFunction;

/**
 * What a statement's WHERE / JOIN ON clauses say about the sharding key of one table reference: every row of that
 * table that can contribute to the statement has a key satisfying this condition. It may say less than the SQL
 * (anything the extractor does not understand becomes {@link Any}), never more: narrowing wrongly would send a
 * statement to too few shards.
 *
 * <p>Build values with the static factories, which normalise: an And of literal values and literal ranges is
 * intersected, an Or of values is a union, overlapping literal ranges are merged, empty results become
 * {@link None}, unrestricted ones {@link Any}; an And of literal terms is distributed over literal Ors, so a
 * condition without parameters is always a single Values, Range or Or of those. Literal range bounds are made inclusive ({@code > 5} becomes
 * {@code >= 6}; keys are integers). Parameters ({@code ?}) are kept symbolic; {@link #bind} substitutes them.
 */
public sealed interface KeyCondition
        permits KeyCondition.Any, KeyCondition.None, KeyCondition.Values, KeyCondition.Range, KeyCondition.And,
        KeyCondition.Or {

    Any ANY = new Any();
    None NONE = new None();

    // ----------------------------------------------------------------------------------------- factories

    static KeyCondition any() {
        return ANY;
    }

    static KeyCondition none() {
        return NONE;
    }

    /** {@code key = v}. */
    static KeyCondition eq(Operand v) {
        return new Values(List.of(v));
    }

    static KeyCondition eq(long v) {
        return eq(Operand.lit(v));
    }

    /** {@code key IN (vs)}; an empty list matches nothing. */
    static KeyCondition in(Collection<? extends Operand> vs) {
        if (vs.isEmpty()) return NONE;
        return new Values(List.copyOf(vs));
    }

    static KeyCondition in(long... vs) {
        List<Operand> l = new ArrayList<>();
        for (long v : vs) l.add(Operand.lit(v));
        return in(l);
    }

    /** {@code lo <(=) key <(=) hi}; a null bound is unbounded. */
    static KeyCondition range(Operand lo, boolean loInclusive, Operand hi, boolean hiInclusive) {
        if (lo instanceof Operand.Lit l && !loInclusive) {
            if (l.value() == Long.MAX_VALUE) return NONE;
            lo = Operand.lit(l.value() + 1);
            loInclusive = true;
        }
        if (hi instanceof Operand.Lit h && !hiInclusive) {
            if (h.value() == Long.MIN_VALUE) return NONE;
            hi = Operand.lit(h.value() - 1);
            hiInclusive = true;
        }
        if (lo == null && hi == null) return ANY;
        if (lo == null) loInclusive = false;
        if (hi == null) hiInclusive = false;
        if (lo instanceof Operand.Lit l && hi instanceof Operand.Lit h) {
            if (l.value() > h.value()) return NONE;
            if (l.value() == h.value()) return eq(l);
        }
        return new Range(lo, loInclusive, hi, hiInclusive);
    }

    /** {@code lo <= key <= hi} (BETWEEN). */
    static KeyCondition between(Operand lo, Operand hi) {
        return range(lo, true, hi, true);
    }

    static KeyCondition between(long lo, long hi) {
        return between(Operand.lit(lo), Operand.lit(hi));
    }

    static KeyCondition and(KeyCondition... terms) {
        return and(List.of(terms));
    }

    /** Conjunction, normalised (see the class comment). */
    static KeyCondition and(List<KeyCondition> terms) {
        if (terms.size() == 1 && !(terms.get(0) instanceof And) && !(terms.get(0) instanceof Or)) return terms.get(0);
        List<KeyCondition> flat = new ArrayList<>();
        for (KeyCondition t : terms) {
            if (t instanceof And a) flat.addAll(a.terms());
            else flat.add(t);
        }
        TreeSet<Long> lits = null;
        boolean haveRange = false;
        Long lo = null, hi = null;
        Set<KeyCondition> rest = new LinkedHashSet<>();
        for (KeyCondition t : flat) {
            if (t instanceof Any) continue;
            if (t instanceof None) return NONE;
            if (t instanceof Values v && !v.hasParams()) {
                TreeSet<Long> s = new TreeSet<>(v.literals());
                if (lits == null) lits = s;
                else lits.retainAll(s);
            } else if (t instanceof Range r && !r.hasParams()) {
                haveRange = true;
                Long rl = r.lo() == null ? null : ((Operand.Lit) r.lo()).value();
                Long rh = r.hi() == null ? null : ((Operand.Lit) r.hi()).value();
                if (rl != null && (lo == null || rl > lo)) lo = rl;
                if (rh != null && (hi == null || rh < hi)) hi = rh;
            } else {
                rest.add(t);
            }
        }
        KeyCondition literalPart = null;
        if (lits != null) {
            final Long flo = lo, fhi = hi;
            lits.removeIf(x -> (flo != null && x < flo) || (fhi != null && x > fhi));
            if (lits.isEmpty()) return NONE;
            List<Operand> ops = new ArrayList<>();
            for (long x : lits) ops.add(Operand.lit(x));
            literalPart = new Values(ops);
        } else if (haveRange) {
            literalPart = range(lo == null ? null : Operand.lit(lo), true, hi == null ? null : Operand.lit(hi), true);
            if (literalPart instanceof None) return NONE;
        }
        // distribute over literal disjunctions: [1,10] AND (=0 OR (-inf,5]) -> [1,5]; stays small because or()
        // merges ranges and values
        List<KeyCondition> literalOrs = rest.stream().filter(t -> t instanceof Or && !t.hasParams()).toList();
        if (!literalOrs.isEmpty()) {
            KeyCondition acc = literalPart == null ? ANY : literalPart;
            for (KeyCondition o : literalOrs) {
                List<KeyCondition> parts = new ArrayList<>();
                for (KeyCondition t : ((Or) o).terms()) parts.add(and(acc, t));
                acc = or(parts);
                if (acc instanceof None) return NONE;
            }
            rest.removeAll(literalOrs);
            literalPart = acc;
        }
        List<KeyCondition> out = new ArrayList<>();
        if (literalPart != null && !(literalPart instanceof Any)) out.add(literalPart);
        out.addAll(rest);
        if (out.isEmpty()) return ANY;
        if (out.size() == 1) return out.get(0);
        return new And(out);
    }

    static KeyCondition or(KeyCondition... terms) {
        return or(List.of(terms));
    }

    /** Disjunction, normalised (see the class comment). */
    static KeyCondition or(List<KeyCondition> terms) {
        List<KeyCondition> flat = new ArrayList<>();
        for (KeyCondition t : terms) {
            if (t instanceof Or o) flat.addAll(o.terms());
            else flat.add(t);
        }
        TreeSet<Operand> values = new TreeSet<>(Operand.ORDER);
        List<Long[]> ranges = new ArrayList<>(); // literal ranges, {lo, hi}, null = unbounded
        Set<KeyCondition> rest = new LinkedHashSet<>();
        for (KeyCondition t : flat) {
            if (t instanceof Any) return ANY;
            if (t instanceof None) continue;
            if (t instanceof Values v) values.addAll(v.values());
            else if (t instanceof Range r && !r.hasParams()) {
                ranges.add(new Long[] {
                    r.lo() == null ? null : ((Operand.Lit) r.lo()).value(),
                    r.hi() == null ? null : ((Operand.Lit) r.hi()).value()});
            } else rest.add(t);
        }
        // merge overlapping or adjacent literal ranges
        ranges.sort(Comparator.comparing((Long[] r) -> r[0], Comparator.nullsFirst(Comparator.naturalOrder())));
        List<Long[]> merged = new ArrayList<>();
        for (Long[] r : ranges) {
            Long[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && (last[1] == null || r[0] == null || r[0] <= last[1] || r[0] - 1 == last[1])) {
                if (last[1] != null && (r[1] == null || r[1] > last[1])) last[1] = r[1];
            } else {
                merged.add(new Long[] {r[0], r[1]});
            }
        }
        List<KeyCondition> out = new ArrayList<>();
        values.removeIf(v -> v instanceof Operand.Lit l && merged.stream().anyMatch(r ->
                (r[0] == null || l.value() >= r[0]) && (r[1] == null || l.value() <= r[1])));
        if (!values.isEmpty()) out.add(new Values(List.copyOf(values)));
        for (Long[] r : merged) {
            KeyCondition k = range(r[0] == null ? null : Operand.lit(r[0]), true, r[1] == null ? null : Operand.lit(r[1]), true);
            if (k instanceof Any) return ANY;
            out.add(k);
        }
        out.addAll(rest);
        if (out.isEmpty()) return NONE;
        if (out.size() == 1) return out.get(0);
        return new Or(out);
    }

    // ----------------------------------------------------------------------------------------- queries

    /**
     * False only when no key value {@code key} can satisfy the condition; an unbound parameter may be anything.
     */
    boolean mayMatch(long key);

    /** True when a {@code ?} placeholder occurs in the condition. */
    boolean hasParams();

    /** Substitutes parameter values; {@code valueOf} returns null when a value is not a usable integer (then
     * that part of the condition stops restricting). The result is normalised. */
    KeyCondition bind(IntFunction<Long> valueOf);

    /** {@link #bind(IntFunction)} with the parameter values of a prepared statement: integral numbers are used,
     * anything else (strings, decimals with a fraction, NULL, missing) does not restrict. */
    default KeyCondition bind(List<?> params) {
        return bind(i -> i < params.size() ? asKey(params.get(i)) : null);
    }

    /** True for {@link Any}: no restriction at all, every shard may hold matching rows. */
    default boolean isAny() {
        return this instanceof Any;
    }

    /** An integral number as a key, or null. */
    static Long asKey(Object o) {
        if (o instanceof Long || o instanceof Integer || o instanceof Short || o instanceof Byte) return ((Number) o).longValue();
        if (o instanceof BigInteger b) return b.bitLength() < 64 ? b.longValue() : null;
        if (o instanceof BigDecimal d) {
            try {
                return d.longValueExact();
            } catch (ArithmeticException e) {
                return null;
            }
        }
        return null;
    }

    // ----------------------------------------------------------------------------------------- the cases

    /** No restriction. */
    record Any() implements KeyCondition {
        public boolean mayMatch(long key) {
            return true;
        }

        public boolean hasParams() {
            return false;
        }

        public KeyCondition bind(IntFunction<Long> valueOf) {
            return this;
        }

        @Override
        public String toString() {
            return "any";
        }
    }

    /** Contradiction: no row can match (e.g. {@code uid = 1 AND uid = 2}). */
    record None() implements KeyCondition {
        public boolean mayMatch(long key) {
            return false;
        }

        public boolean hasParams() {
            return false;
        }

        public KeyCondition bind(IntFunction<Long> valueOf) {
            return this;
        }

        @Override
        public String toString() {
            return "none";
        }
    }

    /** {@code key IN (values)}: sorted, distinct, not empty; literals first, then parameters. */
    record Values(List<Operand> values) implements KeyCondition {
        public Values {
            if (values.isEmpty()) throw new IllegalArgumentException("empty Values: use NONE");
            boolean canonical = true;
            for (int i = 1; i < values.size() && canonical; i++) canonical = Operand.ORDER.compare(values.get(i - 1), values.get(i)) < 0;
            if (canonical) {
                values = List.copyOf(values);
            } else {
                TreeSet<Operand> set = new TreeSet<>(Operand.ORDER);
                set.addAll(values);
                values = List.copyOf(set);
            }
        }

        public List<Long> literals() {
            List<Long> l = new ArrayList<>();
            for (Operand o : values) if (o instanceof Operand.Lit x) l.add(x.value());
            return l;
        }

        public List<Integer> params() {
            List<Integer> l = new ArrayList<>();
            for (Operand o : values) if (o instanceof Operand.Param p) l.add(p.index());
            return l;
        }

        public boolean mayMatch(long key) {
            for (Operand o : values) {
                if (o instanceof Operand.Param || ((Operand.Lit) o).value() == key) return true;
            }
            return false;
        }

        public boolean hasParams() {
            return values.get(values.size() - 1) instanceof Operand.Param;
        }

        public KeyCondition bind(IntFunction<Long> valueOf) {
            if (!hasParams()) return this;
            List<Operand> out = new ArrayList<>();
            for (Operand o : values) {
                if (o instanceof Operand.Param p) {
                    Long v = valueOf.apply(p.index());
                    if (v == null) return ANY;
                    out.add(Operand.lit(v));
                } else out.add(o);
            }
            return in(out);
        }

        @Override
        public String toString() {
            if (values.size() == 1) return "=" + values.get(0);
            StringBuilder sb = new StringBuilder("in(");
            for (int i = 0; i < values.size(); i++) sb.append(i == 0 ? "" : ",").append(values.get(i));
            return sb.append(')').toString();
        }
    }

    /**
     * {@code lo <(=) key <(=) hi}; null bounds are unbounded (their flag is false); not both null. Literal bounds
     * are always inclusive (an exclusive one is moved by one); a literal range holds more than one value.
     */
    record Range(Operand lo, boolean loInclusive, Operand hi, boolean hiInclusive) implements KeyCondition {
        public Range {
            if (lo == null && hi == null) throw new IllegalArgumentException("unbounded Range: use ANY");
            if (lo instanceof Operand.Lit l && !loInclusive) {
                if (l.value() == Long.MAX_VALUE) throw new IllegalArgumentException("empty Range: use NONE");
                lo = Operand.lit(l.value() + 1);
                loInclusive = true;
            }
            if (hi instanceof Operand.Lit h && !hiInclusive) {
                if (h.value() == Long.MIN_VALUE) throw new IllegalArgumentException("empty Range: use NONE");
                hi = Operand.lit(h.value() - 1);
                hiInclusive = true;
            }
            if (lo == null) loInclusive = false;
            if (hi == null) hiInclusive = false;
            if (lo instanceof Operand.Lit l && hi instanceof Operand.Lit h && l.value() >= h.value()) {
                throw new IllegalArgumentException("Range " + l + ".." + h + ": use NONE or Values");
            }
        }

        public boolean mayMatch(long key) {
            if (lo instanceof Operand.Lit l && (loInclusive ? key < l.value() : key <= l.value())) return false;
            if (hi instanceof Operand.Lit h && (hiInclusive ? key > h.value() : key >= h.value())) return false;
            return true;
        }

        public boolean hasParams() {
            return lo instanceof Operand.Param || hi instanceof Operand.Param;
        }

        public KeyCondition bind(IntFunction<Long> valueOf) {
            if (!hasParams()) return this;
            Operand l = lo, h = hi;
            if (l instanceof Operand.Param p) {
                Long v = valueOf.apply(p.index());
                l = v == null ? null : Operand.lit(v);
            }
            if (h instanceof Operand.Param p) {
                Long v = valueOf.apply(p.index());
                h = v == null ? null : Operand.lit(v);
            }
            return range(l, loInclusive, h, hiInclusive);
        }

        @Override
        public String toString() {
            return (lo == null ? "(-inf" : (loInclusive ? "[" : "(") + lo) + "," + (hi == null ? "+inf)" : hi + (hiInclusive ? "]" : ")"));
        }
    }

    /** Conjunction that could not be folded (it involves parameters or Ors); at least two terms. */
    record And(List<KeyCondition> terms) implements KeyCondition {
        public And {
            terms = List.copyOf(terms);
            if (terms.size() < 2) throw new IllegalArgumentException("And needs two terms");
        }

        public boolean mayMatch(long key) {
            for (KeyCondition t : terms) if (!t.mayMatch(key)) return false;
            return true;
        }

        public boolean hasParams() {
            return terms.stream().anyMatch(KeyCondition::hasParams);
        }

        public KeyCondition bind(IntFunction<Long> valueOf) {
            return and(terms.stream().map(t -> t.bind(valueOf)).toList());
        }

        @Override
        public String toString() {
            return "and(" + String.join(", ", terms.stream().map(Object::toString).toList()) + ")";
        }
    }

    /** Disjunction that could not be folded into one Values or Range; at least two terms. */
    record Or(List<KeyCondition> terms) implements KeyCondition {
        public Or {
            terms = List.copyOf(terms);
            if (terms.size() < 2) throw new IllegalArgumentException("Or needs two terms");
        }

        public boolean mayMatch(long key) {
            for (KeyCondition t : terms) if (t.mayMatch(key)) return true;
            return false;
        }

        public boolean hasParams() {
            return terms.stream().anyMatch(KeyCondition::hasParams);
        }

        public KeyCondition bind(IntFunction<Long> valueOf) {
            return or(terms.stream().map(t -> t.bind(valueOf)).toList());
        }

        @Override
        public String toString() {
            return "or(" + String.join(", ", terms.stream().map(Object::toString).toList()) + ")";
        }
    }
}

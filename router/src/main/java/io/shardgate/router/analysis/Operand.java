package io.shardgate.router.analysis;

import java.util.Comparator;

/**
 * A value the router can route by: an integer literal written in the statement, or a {@code ?} placeholder whose
 * value arrives later (prepared statements). Placeholder indexes are 0-based, in text order, as in the
 * parameter array of COM_STMT_EXECUTE.
 */
public sealed interface Operand permits Operand.Lit, Operand.Param {

    /** Literals first (by value), then parameters (by index). */
    Comparator<Operand> ORDER = (a, b) -> {
        if (a instanceof Lit x) return b instanceof Lit y ? Long.compare(x.value, y.value) : -1;
        Param x = (Param) a;
        return b instanceof Param y ? Integer.compare(x.index, y.index) : 1;
    };

    static Lit lit(long value) {
        return new Lit(value);
    }

    static Param param(int index) {
        return new Param(index);
    }

    /** An integer literal. */
    record Lit(long value) implements Operand, RowKey {
        @Override
        public String toString() {
            return Long.toString(value);
        }
    }

    /** The {@code index}-th {@code ?} of the statement (0-based). */
    record Param(int index) implements Operand, RowKey {
        public Param {
            if (index < 0) throw new IllegalArgumentException("parameter index " + index);
        }

        @Override
        public String toString() {
            return "?" + index;
        }
    }
}

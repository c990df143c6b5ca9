package io.shardgate.router.analysis;

/**
 * The sharding key of one row of an INSERT/REPLACE ... VALUES: a literal ({@link Operand.Lit}), a placeholder
 * ({@link Operand.Param}) or one of the {@link Unknown} cases, where the router cannot tell the row's shard
 * from the text.
 */
public sealed interface RowKey permits Operand.Lit, Operand.Param, RowKey.Unknown {

    enum Unknown implements RowKey {
        /** The column list has no key column, or the value is DEFAULT or NULL: the server picks the value. */
        MISSING,
        /** An expression, a non-integer or out-of-range literal (e.g. {@code NOW()}, {@code 1+1}, {@code '5'}). */
        NOT_LITERAL,
        /** No column list ({@code INSERT INTO t VALUES (...)}): the key's position is unknown here. */
        NO_COLUMN_LIST;

        @Override
        public String toString() {
            return name().toLowerCase().replace('_', '-');
        }
    }
}

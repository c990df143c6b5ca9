package io.shardgate.router.analysis;

import java.util.List;

/**
 * INSERT / REPLACE specifics.
 *
 * @param table                  index of the target in {@link StatementFacts#tables()}
 * @param columns                the column list as written (unquoted), empty when absent
 * @param keyColumnIndex         position of the target's key column in {@code columns}, -1 when absent or when
 *                               the target is not sharded
 * @param rowKeys                for each VALUES row, its key (empty for INSERT ... SELECT and unsharded targets)
 * @param fromSelect             INSERT ... SELECT
 * @param onDuplicateKeyUpdate   has ON DUPLICATE KEY UPDATE
 * @param duplicateUpdateSetsKey ON DUPLICATE KEY UPDATE assigns the key column (changing a row's shard)
 */
public record InsertFacts(int table, List<String> columns, int keyColumnIndex, List<RowKey> rowKeys,
                          boolean fromSelect, boolean onDuplicateKeyUpdate, boolean duplicateUpdateSetsKey) {

    public InsertFacts {
        columns = List.copyOf(columns);
        rowKeys = List.copyOf(rowKeys);
    }

    /** True when every row's key is a literal or a parameter, so each row can be routed. */
    public boolean allKeysKnown() {
        return !fromSelect && !rowKeys.isEmpty() && rowKeys.stream().allMatch(k -> k instanceof Operand);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("insert{columns=").append(columns);
        if (keyColumnIndex >= 0) sb.append(" key#").append(keyColumnIndex);
        if (!rowKeys.isEmpty()) sb.append(" rows=").append(rowKeys);
        if (fromSelect) sb.append(" from-select");
        if (onDuplicateKeyUpdate) sb.append(duplicateUpdateSetsKey ? " odku-sets-key" : " odku");
        return sb.append('}').toString();
    }
}

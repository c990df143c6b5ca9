package io.shardgate.proxy.merge;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Folds partial results from several shards into MySQL's answer: rows arrive sorted by the group key (the
 * merged stream of shards that each grouped and sorted by it), and adjacent rows with an equal key become
 * one. Per column: {@link Fold#KEY} (part of the group key, kept), {@link Fold#COUNT} and {@link Fold#SUM}
 * (added; NULL only when every part is NULL), {@link Fold#MIN} / {@link Fold#MAX} (compared as MySQL does,
 * NULLs ignored), {@link Fold#ANY} (a value of the group, as MySQL returns for a non-aggregated column).
 * With no KEY column everything is one group (aggregates without GROUP BY); DISTINCT is KEY on every column.
 * Push-based, memory of one group.
 */
public final class GroupFold {
    public enum Fold { KEY, COUNT, SUM, MIN, MAX, ANY }

    private final Fold[] folds;
    private final Comparator<byte[]>[] comparators;
    private final int[] keyColumns;
    private byte[][] current;

    @SuppressWarnings("unchecked")
    public GroupFold(List<ColumnDef> columns, List<Fold> folds) {
        if (columns.size() != folds.size()) throw new IllegalArgumentException("one fold per column");
        this.folds = folds.toArray(new Fold[0]);
        this.comparators = new Comparator[columns.size()];
        List<Integer> keys = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            comparators[i] = new ValueComparator(columns.get(i));
            if (this.folds[i] == Fold.KEY) keys.add(i);
        }
        this.keyColumns = keys.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Takes the next row of the key-sorted stream; returns the previous group when this row starts a new one. */
    public TextRow offer(TextRow row) {
        byte[][] v = row.values();
        if (current == null) {
            current = v.clone();
            return null;
        }
        if (sameGroup(current, v)) {
            for (int i = 0; i < folds.length; i++) current[i] = fold(i, current[i], v[i]);
            return null;
        }
        TextRow done = new TextRow(current);
        current = v.clone();
        return done;
    }

    /** The last group, after the stream ended; null when there was none. */
    public TextRow finish() {
        TextRow last = current == null ? null : new TextRow(current);
        current = null;
        return last;
    }

    private boolean sameGroup(byte[][] a, byte[][] b) {
        for (int k : keyColumns) {
            if (comparators[k].compare(a[k], b[k]) != 0) return false;
        }
        return true;
    }

    private byte[] fold(int i, byte[] acc, byte[] next) {
        return switch (folds[i]) {
            case KEY, ANY -> acc;
            case COUNT -> ascii(new BigDecimal(text(acc == null ? "0".getBytes() : acc)).add(new BigDecimal(text(next == null ? "0".getBytes() : next))));
            case SUM -> acc == null ? next : next == null ? acc : ascii(new BigDecimal(text(acc)).add(new BigDecimal(text(next))));
            case MIN -> acc == null ? next : next == null ? acc : comparators[i].compare(next, acc) < 0 ? next : acc;
            case MAX -> acc == null ? next : next == null ? acc : comparators[i].compare(next, acc) > 0 ? next : acc;
        };
    }

    private static String text(byte[] v) {
        return new String(v, StandardCharsets.US_ASCII);
    }

    private static byte[] ascii(BigDecimal d) {
        return d.toPlainString().getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
        return "GroupFold" + Arrays.toString(folds);
    }
}

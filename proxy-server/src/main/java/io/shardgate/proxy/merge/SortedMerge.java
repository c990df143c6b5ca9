package io.shardgate.proxy.merge;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Merges rows that arrive, already sorted, from several sources (one per shard) into one sorted stream, then
 * applies OFFSET and LIMIT. Push-based, so it fits network streams: the caller offers rows as they are decoded
 * and polls for output. A row leaves only once every source still running has a row waiting (only then is the
 * smallest known), so memory holds at most what the sources sent ahead; {@link #wantsMore} tells the caller
 * when a source's backlog is big enough to pause its reads. Ties keep source order. Not thread-safe: one event
 * loop drives it.
 */
public final class SortedMerge {
    /** One ORDER BY item: a column of the result and its direction. */
    public record SortKey(int column, boolean descending, ColumnDef def) {}

    private final ArrayDeque<TextRow>[] buffers;
    private final boolean[] finished;
    private final Comparator<TextRow> order;
    private final PriorityQueue<Integer> heads;
    private final int backlogLimit;
    private int waitingFor;      // sources running with an empty buffer
    private long toSkip;
    private long remaining;      // rows still to emit, or Long.MAX_VALUE without LIMIT

    /**
     * @param offset       rows to drop after merging (each source was asked for offset + limit rows)
     * @param limit        rows to emit at most; negative for no LIMIT
     * @param backlogLimit rows a source may have waiting before {@link #wantsMore} says no
     */
    @SuppressWarnings("unchecked")
    public SortedMerge(int sources, List<SortKey> keys, long offset, long limit, int backlogLimit) {
        this.buffers = new ArrayDeque[sources];
        this.finished = new boolean[sources];
        for (int i = 0; i < sources; i++) buffers[i] = new ArrayDeque<>();
        Comparator<TextRow> c = (a, b) -> 0;
        for (SortKey k : keys) {
            Comparator<byte[]> values = new ValueComparator(k.def());
            Comparator<TextRow> one = (a, b) -> values.compare(a.value(k.column()), b.value(k.column()));
            c = c.thenComparing(k.descending() ? one.reversed() : one);
        }
        this.order = c;
        this.heads = new PriorityQueue<>(Math.max(1, sources), (x, y) -> {
            int r = order.compare(buffers[x].peekFirst(), buffers[y].peekFirst());
            return r != 0 ? r : Integer.compare(x, y);
        });
        this.waitingFor = sources;
        this.toSkip = offset;
        this.remaining = limit < 0 ? Long.MAX_VALUE : limit;
        this.backlogLimit = backlogLimit;
    }

    public void offer(int source, TextRow row) {
        if (finished[source]) throw new IllegalStateException("source " + source + " already finished");
        ArrayDeque<TextRow> b = buffers[source];
        b.addLast(row);
        if (b.size() == 1) {
            heads.add(source);
            waitingFor--;
        }
    }

    public void finish(int source) {
        if (finished[source]) return;
        finished[source] = true;
        if (buffers[source].isEmpty()) waitingFor--;
    }

    /** The next row of the merged result, or null when it cannot be known yet (or the result is complete). */
    public TextRow poll() {
        while (remaining > 0 && waitingFor == 0 && !heads.isEmpty()) {
            int s = heads.poll();
            TextRow row = buffers[s].pollFirst();
            if (!buffers[s].isEmpty()) heads.add(s);
            else if (!finished[s]) waitingFor++;
            if (toSkip > 0) {
                toSkip--;
                continue;
            }
            remaining--;
            return row;
        }
        return null;
    }

    /** Whether every row the result will have has been polled: all sources finished and drained, or LIMIT reached. */
    public boolean done() {
        if (remaining == 0) return true;
        for (int i = 0; i < buffers.length; i++) {
            if (!finished[i] || !buffers[i].isEmpty()) return false;
        }
        return true;
    }

    /** False when the source has enough rows waiting: pause reading it until {@link #poll} drains some. */
    public boolean wantsMore(int source) {
        return buffers[source].size() < backlogLimit && remaining > 0;
    }
}

package io.shardgate.proxy.frontend;

import java.util.ArrayList;
import java.util.List;

/**
 * The SET statements a session has run, in order, so that every backend connection the session uses carries
 * the same settings: a connection taken for another shard replays those it has not seen. Numbered, so a
 * connection remembers how far it got.
 *
 * <p>Bounded: a statement setting only system variables ({@code SET autocommit=1}, {@code SET NAMES ...}),
 * repeated with the same text, replaces its earlier copy, as pools do on every borrow; statements with user
 * variables are kept in full (their order matters), up to {@link #MAX_ENTRIES}.
 */
final class SessionSets {
    static final int MAX_ENTRIES = 1024;

    /** @param charset what the statement's text is sent in (the client sent it so) */
    record Entry(long number, String sql, java.nio.charset.Charset charset) {}

    private final List<Entry> entries = new ArrayList<>();
    private long last;
    private String signature = "";

    /**
     * The statements' text, in order: two sessions with equal signatures have the same settings, so a backend
     * connection one of them left can serve the other as it is ({@code ""}: nothing set).
     */
    String signature() {
        return signature;
    }

    private void resign() {
        StringBuilder b = new StringBuilder();
        for (Entry e : entries) b.append(e.sql()).append(';').append('\n');
        signature = b.toString();
    }

    /** Number of the latest statement; a connection that has applied it is up to date. */
    long latest() {
        return last;
    }

    boolean full(String sql, SessionStatements.SetKind kind) {
        return entries.size() >= MAX_ENTRIES && !(kind == SessionStatements.SetKind.SYSTEM_ONLY && contains(sql));
    }

    void add(String sql, SessionStatements.SetKind kind) {
        add(sql, kind, java.nio.charset.StandardCharsets.UTF_8);
    }

    void add(String sql, SessionStatements.SetKind kind, java.nio.charset.Charset charset) {
        if (kind == SessionStatements.SetKind.SYSTEM_ONLY) entries.removeIf(e -> e.sql().equals(sql));
        entries.add(new Entry(++last, sql, charset));
        resign();
    }

    /** The statements after {@code applied}, in order. */
    List<Entry> after(long applied) {
        if (applied >= last) return List.of(); // the common case, on every connection a statement takes
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries) if (e.number() > applied) out.add(e);
        return out;
    }

    void clear() {
        entries.clear();
        signature = "";
    }

    private boolean contains(String sql) {
        for (Entry e : entries) if (e.sql().equals(sql)) return true;
        return false;
    }
}

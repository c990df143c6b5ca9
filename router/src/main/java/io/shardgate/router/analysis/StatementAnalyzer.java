package io.shardgate.router.analysis;

import com.alibaba.druid.sql.ast.SQLStatement;
import com.alibaba.druid.sql.dialect.mysql.parser.MySqlStatementParser;

import java.util.List;
import java.util.Objects;

/**
 * Turns SQL text into {@link StatementFacts}: the statement kind, the tables it references (sharded or not, per
 * {@link KeyColumns}), what its WHERE / JOIN ON say about each sharded table's key, INSERT rows' keys, the SELECT
 * shape a merger needs, and where each table name is written in the text. Knows nothing of shards or algorithms.
 *
 * <p>Parsing is Druid's MySQL parser. Before parsing, block comments are blanked (hints are collected from them
 * first) and MySQL executable comments are opened ({@link SqlText}); offsets are unchanged, so spans refer to the
 * client's original text. Table positions come from a lexical pass ({@link PositionResolver}).
 *
 * <p>Never throws for bad SQL: a parse failure gives {@link StatementKind#UNPARSEABLE} with the parser's message.
 * Stateless and thread-safe; callers may cache results by statement text.
 */
public final class StatementAnalyzer {

    private final KeyColumns keys;

    public StatementAnalyzer(KeyColumns keys) {
        this.keys = Objects.requireNonNull(keys, "keys");
    }

    /** Analyses {@code sql}, including table name positions. */
    public StatementFacts analyze(String sql) {
        return analyze(sql, true);
    }

    /**
     * Analyses {@code sql}; with {@code positions == false} the lexical pass that finds table name positions (about
     * a third of the cost) is skipped, and {@link StatementFacts#positionsResolved()} is false ("not requested"):
     * for routers whose physical table names equal the logical ones, so that nothing is rewritten.
     */
    public StatementFacts analyze(String sql, boolean positions) {
        SqlText.Prepared prepared = SqlText.prepare(sql);
        List<SQLStatement> statements;
        try {
            statements = parse(prepared.parseText());
        } catch (RuntimeException e) {
            return StatementFacts.unparseable(message(e), prepared.hints(), prepared.executableComments());
        } catch (StackOverflowError e) {
            return StatementFacts.unparseable("statement nested too deeply", prepared.hints(), prepared.executableComments());
        } catch (LinkageError e) {
            return StatementFacts.unparseable("parser failed: " + e, prepared.hints(), prepared.executableComments());
        }
        if (SqlText.hasNonAscii(prepared.parseText())) {
            int at = SqlText.splitIdentifier(prepared.parseText());
            if (at >= 0) {
                return StatementFacts.unparseable("unquoted identifier with a non-ASCII letter at offset " + at
                        + " is split by the parser; quote it with backticks", prepared.hints(), prepared.executableComments());
            }
        }
        if (statements.isEmpty()) {
            return StatementFacts.unparseable("no statement", prepared.hints(), prepared.executableComments());
        }
        try {
            return new Analysis(keys, prepared, statements, positions).run();
        } catch (RuntimeException | StackOverflowError | LinkageError e) {
            // a parse tree shape this layer does not expect: report it like bad SQL rather than guess
            return StatementFacts.unparseable("analysis failed: " + e, prepared.hints(), prepared.executableComments());
        }
    }

    /** Druid 1.2.28 needs commons-lang3 (which it does not declare) for bare aliases: router's pom adds it. */
    private static List<SQLStatement> parse(String text) {
        return new MySqlStatementParser(text).parseStatementList();
    }

    private static String message(RuntimeException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}

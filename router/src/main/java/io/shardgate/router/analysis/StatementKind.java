package io.shardgate.router.analysis;

/** What a statement is, as far as routing cares. */
public enum StatementKind {
    SELECT,
    INSERT,
    REPLACE,
    UPDATE,
    DELETE,
    /** CREATE/ALTER/DROP/TRUNCATE/RENAME TABLE, CREATE/DROP INDEX, and other CREATE/ALTER/DROP statements. */
    DDL,
    /** Any SET statement: variables, NAMES, TRANSACTION ISOLATION, PASSWORD... */
    SET,
    USE,
    /** SHOW ..., and DESCRIBE/DESC of a table. */
    SHOW,
    /** BEGIN, START TRANSACTION. */
    BEGIN,
    COMMIT,
    /** ROLLBACK of the whole transaction (ROLLBACK TO SAVEPOINT is {@link #SAVEPOINT}). */
    ROLLBACK,
    /** SAVEPOINT, ROLLBACK TO [SAVEPOINT], RELEASE SAVEPOINT: inside a transaction, which stays open. */
    SAVEPOINT,
    LOCK_TABLES,
    UNLOCK_TABLES,
    /** Parsed, but none of the above (EXPLAIN of a query, CALL, XA, LOAD DATA, FLUSH, KILL, ...). */
    OTHER,
    /** The parser rejected the text; {@link StatementFacts#error()} holds its message. */
    UNPARSEABLE
}

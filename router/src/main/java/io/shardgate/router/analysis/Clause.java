package io.shardgate.router.analysis;

/** Where in a statement a subquery sits, relative to the statement's outermost query block or DML clauses. */
public enum Clause {
    SELECT_LIST, FROM, JOIN_ON, WHERE, GROUP_BY, HAVING, ORDER_BY, WITH,
    /** UPDATE's SET or INSERT's ON DUPLICATE KEY UPDATE. */
    SET,
    /** INSERT/REPLACE VALUES rows. */
    VALUES,
    /** INSERT/REPLACE ... SELECT and CREATE TABLE ... SELECT: the source query. */
    SOURCE,
    OTHER
}

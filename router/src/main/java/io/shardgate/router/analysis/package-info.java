/**
 * Statement analysis: SQL text in, {@link io.shardgate.router.analysis.StatementFacts} out. The layer of the router
 * between parsing and routing; it knows which tables are sharded and by which column
 * ({@link io.shardgate.router.analysis.KeyColumns}), nothing about shards, algorithms or groups.
 *
 * <h2>What is extracted</h2>
 * <ul>
 *   <li>the statement kind, and whether the text holds several statements;</li>
 *   <li>every table reference: schema, name, alias, sharded / broadcast / unsharded, written or read, query block;</li>
 *   <li>for each sharded reference, a {@link io.shardgate.router.analysis.KeyCondition} derived from WHERE and
 *       JOIN ON (or from INSERT's VALUES);</li>
 *   <li>INSERT/REPLACE rows' keys, UPDATE assigning the key, ON DUPLICATE KEY UPDATE assigning the key;</li>
 *   <li>the SELECT shape a merger needs (items, aggregates, GROUP BY, ORDER BY, LIMIT, DISTINCT, locking), joins and
 *       column equalities, subquery places, user variables, session-dependent functions;</li>
 *   <li>{@code shardgate:} hints from comments;</li>
 *   <li>where each table name is written, for rewriting by splicing the client's text.</li>
 * </ul>
 *
 * <h2>Key conditions never narrow wrongly</h2>
 * A condition states what every row of the table that can contribute to the statement satisfies. Only AND, OR,
 * {@code =}, {@code <=>}, {@code IN}, {@code <, <=, >, >=}, {@code BETWEEN} and row-constructor {@code IN} between the
 * key column and integer literals or {@code ?} are understood; anything else (NOT, {@code <>}, functions of the key,
 * other columns, strings, decimals, subqueries, XOR, IS NULL) contributes {@code Any}, and an OR with such a branch is
 * {@code Any}. Each query block has its own conditions: a subquery's WHERE says nothing about the outer tables. For
 * outer joins an ON condition restricts only the non-preserved side. An unqualified column is the key of a table only
 * when exactly one sharded table of the block has a key of that name (otherwise MySQL itself reports it ambiguous).
 * Soundness is checked by property tests that compare the condition with a three-valued evaluation of random WHERE
 * clauses.
 *
 * <h2>How table positions are found</h2>
 * Druid's AST keeps no reliable offsets, so {@link io.shardgate.router.analysis.PositionResolver} runs Druid's own
 * MySQL lexer over the text (with comments blanked to spaces, which keeps offsets) and matches the names the AST
 * reports to token sequences {@code name} / {@code schema . name}, checking counts and the preceding keyword; column
 * qualifiers that name an unaliased table ({@code user.uid}) and multi-table DELETE targets are found the same way.
 * When anything is ambiguous the facts say positions are unknown, and no span is given.
 *
 * <h2>Known limits</h2>
 * See the class comments; in short: Druid's grammar limits (e.g. {@code DELETE user, ...} with the keyword-like name
 * {@code user}, {@code LOCK TABLES t a} without AS, {@code WITH ... DELETE}) give UNPARSEABLE; tables named only in
 * FOREIGN KEY ... REFERENCES or {@code FOR UPDATE OF} are not listed; multi-statement texts carry no key conditions.
 */
package io.shardgate.router.analysis;

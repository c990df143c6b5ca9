package io.shardgate.router.analysis;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random statements with table names written in many ways (backticks, schema qualifiers, aliases, names that are
 * also column names, and the same names inside strings and comments): splicing {@code phys_N} over the reported
 * spans must give exactly the statement rendered with {@code phys_N} in the table positions, everything else intact.
 */
class PositionsPropertyTest {

    /** How one table reference is written. */
    record TableStyle(String name, boolean quoted, String schema, boolean quotedSchema, String alias, boolean as) {
        String rendered() {
            boolean mustQuote = !name.matches("[a-z_]+") || name.equals("select"); // a reserved word
            String n = quoted || mustQuote ? "`" + name.replace("`", "``") + "`" : name;
            if (schema == null) return n;
            return (quotedSchema ? "`" + schema + "`" : schema) + "." + n;
        }

        /** The FROM item, with the table written as {@code table}. */
        String from(String table) {
            return table + (alias == null ? "" : (as ? " AS " : " ") + alias);
        }

        /** The column qualifier: the alias, else the table as written in FROM. */
        String qualifier(String table) {
            return alias != null ? alias : table;
        }
    }

    private static final List<String> NAMES = List.of("user", "orders", "t", "plain", "region", "acct", "select", "my table", "we`ird", "Item");
    private static final List<String> NOISE = List.of("", " ", " /* user t orders */ ", " -- from user\n ", " # orders\n ",
            " /*+ shardgate:master */ ", "\n\t");
    private static final List<String> STRINGS = List.of("'user'", "'from t where t.uid = 1'", "'it''s orders'", "\"select\"",
            "'a\\'user'", "'`t`'");

    @Provide
    Arbitrary<List<TableStyle>> styles() {
        Arbitrary<TableStyle> one = Combinators.combine(Arbitraries.of(true, false), Arbitraries.of(null, "db", "shop"),
                Arbitraries.of(true, false), Arbitraries.of(true, false), Arbitraries.of(true, false))
                .as((q, schema, qs, aliased, as) -> new TableStyle("?", q, schema, qs, aliased ? "?" : null, as));
        return Combinators.combine(one.list().ofSize(3), Arbitraries.shuffle(NAMES))
                .as((styles, names) -> {
                    List<TableStyle> out = new ArrayList<>();
                    for (int i = 0; i < 3; i++) {
                        TableStyle s = styles.get(i);
                        out.add(new TableStyle(names.get(i), s.quoted(), s.schema(), s.quotedSchema(),
                                s.alias() == null ? null : "a" + i, s.as()));
                    }
                    return out;
                });
    }

    /** Renders the statement; {@code table.apply(i)} writes the i-th table name. */
    private static String render(List<TableStyle> s, Function<Integer, String> table, List<String> noise, List<String> strs,
                                 boolean join, boolean subquery) {
        String t0 = table.apply(0), t1 = table.apply(1), t2 = table.apply(2);
        String q0 = s.get(0).qualifier(t0), q1 = s.get(1).qualifier(t1), q2 = s.get(2).qualifier(t2);
        StringBuilder sb = new StringBuilder("SELECT").append(noise.get(0)).append(' ').append(q0).append(".name, ")
                .append(strs.get(0)).append(" AS label FROM ").append(noise.get(1)).append(s.get(0).from(t0));
        if (join) {
            sb.append(noise.get(2)).append(" JOIN ").append(s.get(1).from(t1)).append(" ON ").append(q0).append(".uid = ")
                    .append(q1).append(".uid");
        }
        sb.append(" WHERE ").append(q0).append(".uid = 5").append(noise.get(3)).append(" AND ").append(q0).append(".note <> ")
                .append(strs.get(1));
        if (subquery) {
            sb.append(" AND ").append(q0).append(".uid IN (SELECT ").append(q2).append(".uid FROM ").append(s.get(2).from(t2))
                    .append(" WHERE ").append(q2).append(".name = ").append(strs.get(2)).append(')');
        }
        return sb.append(noise.get(4)).toString();
    }

    @Property(tries = 500)
    void splicingReplacesExactlyTheTableNames(@ForAll("styles") List<TableStyle> styles,
                                              @ForAll("noise") List<String> noise, @ForAll("strings") List<String> strs,
                                              @ForAll boolean join, @ForAll boolean subquery) {
        String sql = render(styles, i -> styles.get(i).rendered(), noise, strs, join, subquery);
        StatementFacts f = Fixtures.analyze(sql);
        assertThat(f.error()).as(sql).isNull();
        assertThat(f.positionsResolved()).as(sql + "\n" + f).isTrue();
        int n = 1 + (join ? 1 : 0) + (subquery ? 1 : 0);
        assertThat(f.tables()).as(sql).hasSize(n);
        // facts list tables in text order here: FROM, JOIN, subquery
        List<Integer> present = new ArrayList<>(List.of(0));
        if (join) present.add(1);
        if (subquery) present.add(2);
        for (int k = 0; k < n; k++) {
            TableStyle st = styles.get(present.get(k));
            assertThat(f.tables().get(k).name()).isEqualTo(st.name());
            assertThat(f.tables().get(k).alias()).isEqualTo(st.alias());
            assertThat(f.tables().get(k).schema()).isEqualTo(st.schema());
        }
        String spliced = f.rewriteTables(sql, t -> "phys_" + present.get(t.index()));
        String expected = render(styles, i -> "phys_" + i, noise, strs, join, subquery);
        assertThat(spliced).as(sql).isEqualTo(expected);
        // and the spliced text analyses to the physical names
        StatementFacts again = Fixtures.analyze(spliced);
        assertThat(again.tables()).extracting(TableRef::name)
                .containsExactlyElementsOf(present.stream().map(i -> "phys_" + i).toList());
    }

    @Provide
    Arbitrary<List<String>> noise() {
        return Arbitraries.of(NOISE).list().ofSize(5);
    }

    @Provide
    Arbitrary<List<String>> strings() {
        return Arbitraries.of(STRINGS).list().ofSize(3);
    }
}

package io.shardgate.proxy.logical;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Puts the logical schema's name where a server's error message names a shard's database: {@code Table
 * 'sg_db_2.user' doesn't exist} becomes {@code Table 'shop.user' doesn't exist}. Only whole names that read as a
 * database are replaced: after a quote and before a quote or a dot ({@code 'sg_db_0'}, {@code `sg_db_0`},
 * {@code 'sg_db_0.user'}), or a whole word before a dot ({@code sg_db_0.user}); {@code sg_db_1} inside
 * {@code xsg_db_10}, or as a bare word, stays. A value that happens
 * to equal a shard database's name and is quoted in the message (a duplicate key) is replaced too: messages
 * do not say which quoted words are names.
 *
 * <p>Works on the message's bytes seen as ISO-8859-1, one char per byte, so that whatever character set the
 * server wrote it in, every byte that is not part of a replaced name comes back unchanged.
 */
public final class ErrorMessages {
    /** Bytes that continue an identifier: ASCII letters, digits, _ and $, and every byte of a multi-byte character. */
    private static final String IDENT = "A-Za-z0-9_$\\x{80}-\\x{FF}";

    private final Pattern names;
    private final String replacement;

    public ErrorMessages(ShardDatabases dbs) {
        List<String> alternatives = new ArrayList<>();
        for (String p : dbs.physical()) alternatives.add(Pattern.quote(bytewise(p))); // longest first
        String any = "(?:" + String.join("|", alternatives) + ")";
        this.names = Pattern.compile("(?<=[`'])" + any + "(?=[`'.])|(?<![" + IDENT + "])" + any + "(?=\\.)",
                Pattern.CASE_INSENSITIVE);
        this.replacement = Matcher.quoteReplacement(bytewise(dbs.logical()));
    }

    /** {@code message} (bytes as ISO-8859-1 chars) with shard databases named logically; the same string when none is named. */
    public String rewrite(String message) {
        Matcher m = names.matcher(message);
        return m.find() ? m.replaceAll(replacement) : message;
    }

    /** The message's bytes with shard databases named logically; null when it names none. */
    public byte[] rewrite(byte[] message) {
        String in = new String(message, StandardCharsets.ISO_8859_1);
        String out = rewrite(in);
        return out == in ? null : out.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A name as its UTF-8 bytes would read in ISO-8859-1. */
    private static String bytewise(String name) {
        return new String(name.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }
}

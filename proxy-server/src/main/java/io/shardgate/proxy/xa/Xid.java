package io.shardgate.proxy.xa;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One XA branch identifier as shardgate uses it: a global id ({@code gtrid}) shared by every group a transaction
 * touches, the group's name as branch qualifier ({@code bqual}), and shardgate's own {@link #FORMAT_ID}, so that
 * recovery can tell our prepared branches from those of any other transaction manager on the same server.
 *
 * <p>Both parts are at most 64 bytes (the server's limit) of printable ASCII without quote or backslash: they are
 * ours ({@link XidSource}, group names), and excluding those two characters keeps the rendered literal the same
 * whether or not the session runs with {@code NO_BACKSLASH_ESCAPES}.
 */
public record Xid(String gtrid, String bqual, int formatId) {
    /** "SG" and a version: no other transaction manager is expected to pick it. */
    public static final int FORMAT_ID = 0x53470001;
    /** MAXGTRIDSIZE and MAXBQUALSIZE of the XA specification, as the servers enforce them. */
    public static final int MAX_PART = 64;

    public Xid {
        check(gtrid, "gtrid");
        check(bqual, "bqual");
    }

    /** A branch of global transaction {@code gtrid} on group {@code group}, with shardgate's format id. */
    public static Xid of(String gtrid, String group) {
        return new Xid(gtrid, group, FORMAT_ID);
    }

    private static void check(String part, String what) {
        Objects.requireNonNull(part, what);
        if (part.isEmpty() || part.length() > MAX_PART) {
            throw new IllegalArgumentException(what + " must be 1 to " + MAX_PART + " characters: '" + part + "'");
        }
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c < 0x21 || c > 0x7e || c == '\'' || c == '\\') {
                throw new IllegalArgumentException(what + " has a character shardgate does not use in XA ids: '" + part + "'");
            }
        }
    }

    /** The xid as the XA statements take it: {@code 'gtrid','bqual',formatID}. */
    public String literal() {
        return "'" + gtrid + "','" + bqual + "'," + formatId;
    }

    public String startSql() {
        return "XA START " + literal();
    }

    public String endSql() {
        return "XA END " + literal();
    }

    public String prepareSql() {
        return "XA PREPARE " + literal();
    }

    public String commitSql() {
        return "XA COMMIT " + literal();
    }

    public String commitOnePhaseSql() {
        return "XA COMMIT " + literal() + " ONE PHASE";
    }

    public String rollbackSql() {
        return "XA ROLLBACK " + literal();
    }

    /**
     * The xid of one {@code XA RECOVER} row (columns formatID, gtrid_length, bqual_length, data: gtrid and bqual
     * concatenated), or null when the row is not one of ours: another format id, lengths that do not fit the data,
     * or bytes shardgate never puts in an id.
     */
    public static Xid fromRecoverRow(long formatId, int gtridLength, int bqualLength, byte[] data) {
        if (formatId != FORMAT_ID || data == null || gtridLength <= 0 || bqualLength <= 0
                || gtridLength + bqualLength > data.length) {
            return null;
        }
        String g = new String(data, 0, gtridLength, StandardCharsets.ISO_8859_1);
        String b = new String(data, gtridLength, bqualLength, StandardCharsets.ISO_8859_1);
        try {
            return new Xid(g, b, FORMAT_ID);
        } catch (IllegalArgumentException e) {
            return null; // our format id on a foreign id: not ours to resolve
        }
    }

    @Override
    public String toString() {
        return literal();
    }
}

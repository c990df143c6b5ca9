package io.shardgate.proxy.protocol;

/** Capability flags of the MySQL client/server protocol (Protocol::CapabilityFlags). */
public final class Capabilities {
    private Capabilities() {}

    public static final int LONG_PASSWORD = 1;
    public static final int FOUND_ROWS = 1 << 1;
    public static final int LONG_FLAG = 1 << 2;
    public static final int CONNECT_WITH_DB = 1 << 3;
    public static final int NO_SCHEMA = 1 << 4;
    public static final int COMPRESS = 1 << 5;
    public static final int ODBC = 1 << 6;
    public static final int LOCAL_FILES = 1 << 7;
    public static final int IGNORE_SPACE = 1 << 8;
    public static final int PROTOCOL_41 = 1 << 9;
    public static final int INTERACTIVE = 1 << 10;
    public static final int SSL = 1 << 11;
    public static final int IGNORE_SIGPIPE = 1 << 12;
    public static final int TRANSACTIONS = 1 << 13;
    public static final int RESERVED = 1 << 14;
    public static final int SECURE_CONNECTION = 1 << 15;
    public static final int MULTI_STATEMENTS = 1 << 16;
    public static final int MULTI_RESULTS = 1 << 17;
    public static final int PS_MULTI_RESULTS = 1 << 18;
    public static final int PLUGIN_AUTH = 1 << 19;
    public static final int CONNECT_ATTRS = 1 << 20;
    public static final int PLUGIN_AUTH_LENENC_CLIENT_DATA = 1 << 21;
    public static final int CAN_HANDLE_EXPIRED_PASSWORDS = 1 << 22;
    public static final int SESSION_TRACK = 1 << 23;
    public static final int DEPRECATE_EOF = 1 << 24;
    public static final int QUERY_ATTRIBUTES = 1 << 27;

    /**
     * What the proxy offers to clients. Not offered: COMPRESS (relay would have to inflate), LOCAL_FILES
     * (LOAD DATA LOCAL is a file-exfiltration risk through a proxy), SESSION_TRACK and QUERY_ATTRIBUTES
     * (they change the OK/COM_QUERY layouts the relay reads).
     */
    public static final int PROXY_SERVER = LONG_PASSWORD | FOUND_ROWS | LONG_FLAG | CONNECT_WITH_DB
            | NO_SCHEMA | IGNORE_SPACE | PROTOCOL_41 | INTERACTIVE | IGNORE_SIGPIPE | TRANSACTIONS
            | SECURE_CONNECTION | MULTI_STATEMENTS | MULTI_RESULTS | PS_MULTI_RESULTS | PLUGIN_AUTH
            | CONNECT_ATTRS | PLUGIN_AUTH_LENENC_CLIENT_DATA | DEPRECATE_EOF;

    /**
     * Flags that change what a backend sends or how it behaves for the session; a backend connection
     * is only reused by a client whose flags agree on these, so responses can be relayed byte for byte.
     */
    public static final int BACKEND_PROFILE_MASK = FOUND_ROWS | MULTI_STATEMENTS | DEPRECATE_EOF
            | IGNORE_SPACE | INTERACTIVE;

    /** Flags the proxy always asks of a backend, whatever the client negotiated. */
    public static final int BACKEND_BASE = LONG_PASSWORD | LONG_FLAG | PROTOCOL_41 | TRANSACTIONS
            | SECURE_CONNECTION | MULTI_RESULTS | PS_MULTI_RESULTS | PLUGIN_AUTH
            | PLUGIN_AUTH_LENENC_CLIENT_DATA | CONNECT_WITH_DB;

    public static boolean has(int flags, int flag) {
        return (flags & flag) != 0;
    }
}

package io.shardgate.proxy.backend;

/** The shapes a command's response can take, which decide where it ends. */
public enum ResponseKind {
    /** COM_QUERY: OK, ERR, or a result set; repeated while SERVER_MORE_RESULTS_EXISTS is set. */
    RESULT,
    /** COM_FIELD_LIST: column definitions closed by EOF (or OK with 0xFE), or ERR. */
    FIELD_LIST,
    /** Commands answered by exactly one packet: OK, ERR, EOF or a plain string (COM_STATISTICS). */
    SINGLE,
    /**
     * COM_STMT_PREPARE: ERR, or PREPARE_OK (stmt id, column and parameter counts) followed by the parameter
     * definitions and then the column definitions, each list closed by EOF unless DEPRECATE_EOF.
     */
    PREPARE
}

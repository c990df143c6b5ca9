package io.shardgate.proxy.protocol;

/** The MySQL server error codes the proxy itself sends, with their SQLSTATE. */
public enum ErrorCode {
    ER_CON_COUNT_ERROR(1040, "08004"),
    ER_ACCESS_DENIED_ERROR(1045, "28000"),
    ER_UNKNOWN_COM_ERROR(1047, "08S01"),
    ER_BAD_DB_ERROR(1049, "42000"),
    ER_NO_SUCH_THREAD(1094, "HY000"),
    ER_KILL_DENIED_ERROR(1095, "HY000"),
    ER_UNKNOWN_ERROR(1105, "HY000"),
    ER_PARSE_ERROR(1064, "42000"),
    ER_NET_PACKET_TOO_LARGE(1153, "08S01"),
    ER_NET_READ_ERROR(1158, "08S01"),
    ER_NET_PACKETS_OUT_OF_ORDER(1156, "08S01"),
    ER_NOT_SUPPORTED_YET(1235, "42000"),
    ER_UNKNOWN_STMT_HANDLER(1243, "HY000"),
    ER_UNSUPPORTED_PS(1295, "HY000"),
    ER_WRONG_ARGUMENTS(1210, "HY000"),
    ER_MAX_PREPARED_STMT_COUNT_REACHED(1461, "42000"),
    ER_HANDSHAKE_ERROR(1043, "08S01"),
    ER_OPTION_PREVENTS_STATEMENT(1290, "HY000"),
    ER_CONNECT_TO_FOREIGN_DATA_SOURCE(1429, "HY000"),
    ER_SECURE_TRANSPORT_REQUIRED(3159, "HY000");

    public final int code;
    public final String sqlState;

    ErrorCode(int code, String sqlState) {
        this.code = code;
        this.sqlState = sqlState;
    }
}

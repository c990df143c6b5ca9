package io.shardgate.proxy.backend;

/**
 * A backend could not be reached or answered with an error. With {@code code != 0} the message is the
 * server's own, fit to pass to the client as it is; {@code code == 0} means the proxy could not get an
 * answer (network, login of the proxy's own account) and the message says where and why.
 */
public final class BackendException extends RuntimeException {
    public final int code;
    public final String sqlState;

    public BackendException(int code, String sqlState, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.sqlState = sqlState;
    }

    public BackendException(String message, Throwable cause) {
        this(0, "HY000", message, cause);
    }
}

package io.shardgate.rules;

import java.util.Objects;

/** A MySQL server address, {@code host:port}. IPv6 literals are written {@code [::1]:3306}. */
public record Endpoint(String host, int port) {

    public Endpoint {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) throw new IllegalArgumentException("empty host");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port " + port + " is not in 1..65535");
    }

    /** Parses {@code host:port} or {@code [ipv6]:port}; a bare IPv6 literal is ambiguous and refused. */
    public static Endpoint parse(String text) {
        Objects.requireNonNull(text, "host:port");
        String t = text.trim();
        String host;
        String port;
        if (t.startsWith("[")) {
            int close = t.indexOf("]:");
            if (close < 0) throw new IllegalArgumentException("'" + text + "' is not [ipv6]:port");
            host = t.substring(1, close);
            port = t.substring(close + 2);
        } else {
            int colon = t.lastIndexOf(':');
            if (colon <= 0 || t.indexOf(':') != colon) throw new IllegalArgumentException("'" + text + "' is not host:port");
            host = t.substring(0, colon);
            port = t.substring(colon + 1);
        }
        try {
            return new Endpoint(host, Integer.parseInt(port));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has no numeric port");
        }
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}

package io.shardgate.rules;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Table-driven companion of EndpointTest: what Endpoint.parse accepts, and what it refuses. */
class EndpointParsingTest {

    @ParameterizedTest(name = "\"{0}\" -> {1} port {2}")
    @CsvSource(delimiter = '|', textBlock = """
            127.0.0.1:3306            | 127.0.0.1        | 3306 | 127.0.0.1:3306
            '  10.1.2.3:1  '          | 10.1.2.3         | 1    | 10.1.2.3:1
            db-1.example.com:65535    | db-1.example.com | 65535| db-1.example.com:65535
            localhost:3316            | localhost        | 3316 | localhost:3316
            [::1]:3306                | ::1              | 3306 | [::1]:3306
            [2001:db8::7]:3307        | 2001:db8::7      | 3307 | [2001:db8::7]:3307
            """)
    void parsesHostAndPort(String text, String host, int port, String printed) {
        Endpoint e = Endpoint.parse(text);
        assertThat(e.host()).isEqualTo(host);
        assertThat(e.port()).isEqualTo(port);
        assertThat(e).hasToString(printed);
        assertThat(Endpoint.parse(e.toString())).as("toString parses back").isEqualTo(e);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @CsvSource(delimiter = '|', textBlock = """
            127.0.0.1           | not host:port
            127.0.0.1:          | no numeric port
            :3306               | not host:port
            ''                  | not host:port
            db:port             | no numeric port
            db:33 06            | no numeric port
            db:0                | not in 1..65535
            db:65536            | not in 1..65535
            db:-1               | not in 1..65535
            ::1                 | not host:port
            2001:db8::1:3306    | not host:port
            [::1]               | not [ipv6]:port
            [::1]:              | no numeric port
            '[]:3306'           | empty host
            """)
    void refusesMalformedEndpoints(String text, String problem) {
        assertThatThrownBy(() -> Endpoint.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(problem);
    }
}

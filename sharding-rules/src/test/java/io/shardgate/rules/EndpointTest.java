package io.shardgate.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EndpointTest {

    @Test
    void parsesAndPrintsEndpoint() {
        Endpoint hp = Endpoint.parse(" 127.0.0.1:3316 ");
        assertThat(hp).isEqualTo(new Endpoint("127.0.0.1", 3316));
        assertThat(hp.toString()).isEqualTo("127.0.0.1:3316");
        assertThat(Endpoint.parse("db.example.com:3306").host()).isEqualTo("db.example.com");
    }

    @Test
    void ipv6NeedsBrackets() {
        Endpoint hp = Endpoint.parse("[::1]:3317");
        assertThat(hp).isEqualTo(new Endpoint("::1", 3317));
        assertThat(hp.toString()).isEqualTo("[::1]:3317");
        assertThat(Endpoint.parse(hp.toString())).isEqualTo(hp);
        assertThatThrownBy(() -> Endpoint.parse("::1:3317")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsGarbage() {
        for (String bad : new String[] {"localhost", ":3306", "host:", "host:abc", "host:0", "host:70000", "[::1]3306"}) {
            assertThatThrownBy(() -> Endpoint.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}

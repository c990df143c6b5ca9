package io.shardgate.router;

import io.shardgate.rules.ShardMap;
import io.shardgate.rules.yaml.YamlNode;

/**
 * The shard map of the router tests: 2 groups, 4 shards (s0, s1 in g0; s2, s3 in g1), default shard s0.
 * <ul>
 * <li>user: range on uid, 0-999 s0, 1000-1999 s1, 2000-2999 s2, 3000-3999 s3 (keys outside: no shard)</li>
 * <li>orders: range on uid with the same boundaries, declared separately (a distinct but equal algorithm:
 *     co-located with user)</li>
 * <li>user_ex: hash mod on uid over [s0, s1, s2, s3]</li>
 * <li>user_event: 16 hash slots on uid, s0 0-3, s1 4-7, s2 8-11, s3 12-15</li>
 * <li>acct: hash mod on account_id over [s3, s2, s1, s0] (same kind and shard set as user_ex, other mapping:
 *     NOT co-located with it)</li>
 * <li>city: broadcast; anything else (e.g. log): unlisted, in s0 = user_db_0</li>
 * </ul>
 */
final class TestMap {
    private TestMap() { }

    static final String YAML = """
            schema: userdb
            groups:
              g0: { master: 127.0.0.1:3316 }
              g1: { master: 127.0.0.1:3326 }
            shards:
              s0: { group: g0, database: user_db_0 }
              s1: { group: g0, database: user_db_1 }
              s2: { group: g1, database: user_db_2 }
              s3: { group: g1, database: user_db_3 }
            default_shard: s0
            tables:
              user:
                key: uid
                range:
                  - { from: 0, to: 1000, shard: s0 }
                  - { from: 1000, to: 2000, shard: s1 }
                  - { from: 2000, to: 3000, shard: s2 }
                  - { from: 3000, to: 4000, shard: s3 }
              orders:
                key: uid
                range:
                  - { from: 0, to: 1000, shard: s0 }
                  - { from: 1000, to: 2000, shard: s1 }
                  - { from: 2000, to: 3000, shard: s2 }
                  - { from: 3000, to: 4000, shard: s3 }
              user_ex:
                key: uid
                hash: { shards: [s0, s1, s2, s3] }
              user_event:
                key: uid
                hash: { slots: 16, shards: { s0: "0-3", s1: "4-7", s2: "8-11", s3: "12-15" } }
              acct:
                key: account_id
                hash: { shards: [s3, s2, s1, s0] }
              city: { broadcast: true }
            """;

    static final ShardMap MAP = ShardMap.fromYaml(YamlNode.parse("test-sharding.yaml", YAML), 1);

    static final ShardingRouter ROUTER = new ShardingRouter(MAP);
}

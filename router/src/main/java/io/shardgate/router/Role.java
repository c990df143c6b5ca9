package io.shardgate.router;

/** Which member of a group a statement needs. */
public enum Role {
    MASTER,
    REPLICA
}

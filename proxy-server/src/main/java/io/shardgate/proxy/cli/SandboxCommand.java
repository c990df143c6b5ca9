package io.shardgate.proxy.cli;

/** {@code shardgate sandbox}: local replicated MariaDB groups plus a proxy in front of them. */
final class SandboxCommand {
    private SandboxCommand() {}

    static void run(Options o) {
        throw new Options.UsageException("sandbox: not wired yet");
    }
}

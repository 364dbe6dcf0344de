namespace Kata.Sandbox;

/// <summary>
/// Reaches the agent of a sandbox that another process started (the kata-style CLI: `create` leaves the sandbox
/// running under a detached monitor, and `start`, `kill`, `exec`, `ps`, … attach to it from its state directory).
/// The socket names are the ones <see cref="ProcessSandbox"/> and <see cref="VmSandbox"/> create there.
/// </summary>
public static class SandboxAttach
{
    /// <summary>The socket the agent of a sandbox of <paramref name="kind"/> is reached through.</summary>
    public static string AgentSocketPath(SandboxKind kind, string stateDirectory) => kind switch
    {
        SandboxKind.Process => Path.Combine(stateDirectory, ProcessSandbox.AgentSocketName),
        SandboxKind.Vm => Path.Combine(stateDirectory, VmSandbox.VsockSocketName),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown sandbox kind"),
    };

    /// <summary>
    /// A connection to the running sandbox's agent. Connecting is lazy (the first call connects); a sandbox that is
    /// gone shows as an RpcException with StatusCode.Unavailable on that call.
    /// </summary>
    public static AgentConnection Connect(SandboxKind kind, string stateDirectory)
    {
        string socket = AgentSocketPath(kind, stateDirectory);
        return kind == SandboxKind.Vm ? AgentConnection.OverHybridVsock(socket) : AgentConnection.OverUnixSocket(socket);
    }
}

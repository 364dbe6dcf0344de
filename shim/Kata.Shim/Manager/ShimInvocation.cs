namespace Kata.Shim.Manager;

/// <summary>The parsed command line (containerd runtime/v2/shim: Go `flag` syntax, then an action word).</summary>
public sealed record ShimInvocation
{
    public ShimAction Action { get; init; } = ShimAction.Daemon;
    public string Namespace { get; init; } = "";
    public string Id { get; init; } = "";
    /// <summary>containerd's gRPC address (-address); part of the socket name, and GRPC_ADDRESS for 1.7+.</summary>
    public string ContainerdAddress { get; init; } = "";
    public string PublishBinary { get; init; } = "";
    /// <summary>-bundle (given to `delete`); otherwise the working directory.</summary>
    public string? Bundle { get; init; }
    public bool Debug { get; init; }
    /// <summary>-socket (containerd 2.x passes the socket directory of its shims); null when not given.</summary>
    public string? SocketDirectory { get; init; }

    public string BundleDirectory => Bundle ?? Directory.GetCurrentDirectory();
}

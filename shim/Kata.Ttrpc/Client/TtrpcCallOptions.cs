namespace Kata.Ttrpc.Client;

/// <summary>Per-call settings: metadata sent with the request, and a timeout sent as timeout_nano and enforced locally.</summary>
public sealed record TtrpcCallOptions
{
    public TtrpcMetadata? Metadata { get; init; }

    /// <summary>
    /// The call's deadline, relative to its start. The server cancels the handler when it passes; the client gives
    /// up with DEADLINE_EXCEEDED at the same time, so a call never waits longer than this.
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Options carrying the containerd namespace (<see cref="TtrpcMetadata.ContainerdNamespaceKey"/>).</summary>
    public static TtrpcCallOptions ForContainerdNamespace(string containerdNamespace, TimeSpan? timeout = null) => new()
    {
        Metadata = new TtrpcMetadata().Add(TtrpcMetadata.ContainerdNamespaceKey, containerdNamespace),
        Timeout = timeout,
    };
}

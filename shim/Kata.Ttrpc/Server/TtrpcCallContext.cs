namespace Kata.Ttrpc.Server;

/// <summary>What a service handler knows about the call it serves.</summary>
public sealed class TtrpcCallContext
{
    internal TtrpcCallContext(string service, string method, uint streamId, TtrpcMetadata metadata, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        Service = service;
        Method = method;
        StreamId = streamId;
        Metadata = metadata;
        Deadline = deadline;
        CancellationToken = cancellationToken;
    }

    /// <summary>Full service name, e.g. "containerd.task.v2.Task".</summary>
    public string Service { get; }

    public string Method { get; }

    /// <summary>The ttrpc stream id of the call on its connection (odd, increasing).</summary>
    public uint StreamId { get; }

    /// <summary>The request's metadata (e.g. <see cref="TtrpcMetadata.ContainerdNamespaceKey"/>).</summary>
    public TtrpcMetadata Metadata { get; }

    /// <summary>When the call's timeout_nano runs out, if it had one.</summary>
    public DateTimeOffset? Deadline { get; }

    /// <summary>Cancelled when the deadline passes, the client disconnects, or the server is closed.</summary>
    public CancellationToken CancellationToken { get; }
}

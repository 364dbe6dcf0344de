using Google.Protobuf;

namespace Kata.Ttrpc.Server;

/// <summary>Sends the responses of a server-streaming call, each as one data frame on the call's stream.</summary>
public sealed class TtrpcServerStreamWriter<TResponse>
    where TResponse : IMessage<TResponse>
{
    private readonly ServerCall _call;

    internal TtrpcServerStreamWriter(ServerCall call)
    {
        _call = call;
    }

    /// <summary>
    /// Sends one message. Throws RESOURCE_EXHAUSTED for a message above 4 MiB (nothing is sent),
    /// InvalidOperationException once the call has ended (deadline, disconnect).
    /// </summary>
    public Task WriteAsync(TResponse message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return _call.SendDataAsync(message, cancellationToken);
    }
}

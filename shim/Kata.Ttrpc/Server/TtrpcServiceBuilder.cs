using Google.Protobuf;

namespace Kata.Ttrpc.Server;

/// <summary>
/// Registers the methods of one service with typed handlers. The same registration code can be run for several
/// service names (containerd.task.v2.Task and containerd.task.v3.Task) through <see cref="TtrpcServer.AddService"/>.
/// </summary>
public sealed class TtrpcServiceBuilder
{
    private readonly Dictionary<string, MethodHandler> _methods = new(StringComparer.Ordinal);

    internal TtrpcServiceBuilder(string serviceName)
    {
        ServiceName = serviceName;
    }

    public string ServiceName { get; }

    internal IReadOnlyDictionary<string, MethodHandler> Methods => _methods;

    /// <summary>A request/response method.</summary>
    public TtrpcServiceBuilder AddUnary<TRequest, TResponse>(
        string method,
        MessageParser<TRequest> requestParser,
        Func<TRequest, TtrpcCallContext, Task<TResponse>> handler)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(requestParser);
        ArgumentNullException.ThrowIfNull(handler);
        return Add(new MethodHandler(method, false, false, async call =>
        {
            var request = call.ParseRequest(requestParser);
            return await handler(request, call.Context).ConfigureAwait(false);
        }));
    }

    /// <summary>One request, a stream of responses (sent as data frames, closed by a final remote-closed data frame).</summary>
    public TtrpcServiceBuilder AddServerStreaming<TRequest, TResponse>(
        string method,
        MessageParser<TRequest> requestParser,
        Func<TRequest, TtrpcServerStreamWriter<TResponse>, TtrpcCallContext, Task> handler)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(requestParser);
        ArgumentNullException.ThrowIfNull(handler);
        return Add(new MethodHandler(method, false, true, async call =>
        {
            var request = call.ParseRequest(requestParser);
            await handler(request, new TtrpcServerStreamWriter<TResponse>(call), call.Context).ConfigureAwait(false);
            return null;
        }));
    }

    /// <summary>A stream of requests (data frames until remote-closed), one response.</summary>
    public TtrpcServiceBuilder AddClientStreaming<TRequest, TResponse>(
        string method,
        MessageParser<TRequest> requestParser,
        Func<TtrpcStreamReader<TRequest>, TtrpcCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(requestParser);
        ArgumentNullException.ThrowIfNull(handler);
        return Add(new MethodHandler(method, true, false, async call =>
            await handler(call.CreateReader(requestParser), call.Context).ConfigureAwait(false)));
    }

    /// <summary>Streams both ways.</summary>
    public TtrpcServiceBuilder AddDuplexStreaming<TRequest, TResponse>(
        string method,
        MessageParser<TRequest> requestParser,
        Func<TtrpcStreamReader<TRequest>, TtrpcServerStreamWriter<TResponse>, TtrpcCallContext, Task> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(requestParser);
        ArgumentNullException.ThrowIfNull(handler);
        return Add(new MethodHandler(method, true, true, async call =>
        {
            await handler(call.CreateReader(requestParser), new TtrpcServerStreamWriter<TResponse>(call), call.Context).ConfigureAwait(false);
            return null;
        }));
    }

    private TtrpcServiceBuilder Add(MethodHandler handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(handler.Name, "method");
        if (!_methods.TryAdd(handler.Name, handler))
        {
            throw new InvalidOperationException($"method {handler.Name} is already registered on service {ServiceName}");
        }

        return this;
    }
}

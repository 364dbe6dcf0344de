using System.Threading.Channels;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Kata.Shim.Protos.Events;
using Kata.Ttrpc;
using Kata.Ttrpc.Client;
using Serilog;

namespace Kata.Shim.Events;

/// <summary>
/// Forwards task events to containerd (containerd.services.events.ttrpc.v1.Events/Forward on TTRPC_ADDRESS, the
/// namespace in the call metadata), in order, from one background loop. A failed call is retried on a new connection
/// with backoff (containerd may be restarting); an event is dropped, with an error in the log, only after every retry.
/// </summary>
public sealed class EventPublisher : IEventSink, IAsyncDisposable
{
    public const string Service = "containerd.services.events.ttrpc.v1.Events";
    public const string Method = "Forward";
    private const int MaxAttempts = 8;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    private readonly string? _ttrpcAddress;
    private readonly string _namespace;
    private readonly ILogger _log;
    private readonly Channel<Envelope> _queue = Channel.CreateUnbounded<Envelope>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private TtrpcClient? _client;

    public EventPublisher(string? ttrpcAddress, string containerdNamespace, ILogger log)
    {
        // containerd 1.6 passes a plain path; accept the unix:// form newer versions use for addresses too.
        _ttrpcAddress = string.IsNullOrEmpty(ttrpcAddress) ? null
            : ttrpcAddress.StartsWith("unix://", StringComparison.Ordinal) ? ttrpcAddress["unix://".Length..] : ttrpcAddress;
        _namespace = containerdNamespace;
        _log = log.ForContext<EventPublisher>();
        if (_ttrpcAddress is null)
        {
            _log.Warning("TTRPC_ADDRESS is not set: task events are not forwarded to containerd");
        }
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The type URL containerd's typeurl package gives a registered protobuf message: its full name.</summary>
    public static Any Pack(IMessage message) => new() { TypeUrl = message.Descriptor.FullName, Value = message.ToByteString() };

    public void Publish(IMessage taskEvent)
    {
        var envelope = new Envelope
        {
            Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            Namespace = _namespace,
            Topic = EventTopics.Of(taskEvent),
            Event = Pack(taskEvent),
        };
        if (!_queue.Writer.TryWrite(envelope))
        {
            _log.Error("event {Topic} published after shutdown: dropped", envelope.Topic);
        }
    }

    /// <summary>Sends what is queued (bounded by <paramref name="cancel"/>) and stops.</summary>
    public async Task FlushAsync(CancellationToken cancel)
    {
        _queue.Writer.TryComplete();
        try
        {
            await _loop.WaitAsync(cancel);
        }
        catch (OperationCanceledException)
        {
            _log.Warning("shutting down with task events still queued");
        }
    }

    private async Task RunAsync()
    {
        await foreach (Envelope envelope in _queue.Reader.ReadAllAsync())
        {
            if (_ttrpcAddress is null)
            {
                continue;
            }
            await ForwardAsync(envelope);
        }
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }
    }

    private async Task ForwardAsync(Envelope envelope)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                if (_client is null || !_client.IsConnected)
                {
                    if (_client is not null)
                    {
                        await _client.DisposeAsync();
                    }
                    _client = null;
                    _client = await TtrpcClient.ConnectAsync(_ttrpcAddress!, _log);
                }
                await _client.CallAsync(Service, Method, new ForwardRequest { Envelope = envelope }, Empty.Parser,
                    TtrpcCallOptions.ForContainerdNamespace(_namespace, CallTimeout));
                _log.Debug("event {Topic} forwarded", envelope.Topic);
                return;
            }
            catch (Exception e) when (e is TtrpcException or IOException or System.Net.Sockets.SocketException)
            {
                if (attempt >= MaxAttempts)
                {
                    _log.Error("event {Topic} dropped after {Attempts} attempts: {Error}", envelope.Topic, attempt, e.Message);
                    return;
                }
                _log.Warning("forwarding event {Topic} failed (attempt {Attempt}): {Error}; retrying on a new connection", envelope.Topic, attempt, e.Message);
                if (_client is not null)
                {
                    await _client.DisposeAsync();
                    _client = null;
                }
                await Task.Delay(delay);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.TicksPerSecond * 2));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }
}

using Google.Protobuf;
using Kata.Ttrpc.Server;
using Kata.Ttrpc.Tests.Protos;

namespace Kata.Ttrpc.Tests.Infrastructure;

/// <summary>The test service: one method per behaviour a test needs from a handler.</summary>
public sealed class EchoService
{
    public const string Name = "kata.ttrpc.test.Echo";

    /// <summary>Completed when a Hold call has started; the call then waits for <see cref="ReleaseHold"/>.</summary>
    public TaskCompletionSource HoldStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completed with the handler's token state when a Block call was cancelled.</summary>
    public TaskCompletionSource<bool> BlockCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseHold() => _release.TrySetResult();

    public void Register(TtrpcServiceBuilder service) => service
        .AddUnary<EchoRequest, EchoResponse>("Echo", EchoRequest.Parser, (request, context) =>
        {
            var response = new EchoResponse { Text = request.Text, Blob = request.Blob };
            foreach (var (key, value) in context.Metadata)
            {
                response.Metadata[key] = value;
            }

            if (context.Deadline is { } deadline)
            {
                response.TimeoutMs = (long)(deadline - DateTimeOffset.UtcNow).TotalMilliseconds;
            }

            return Task.FromResult(response);
        })
        .AddUnary<EchoRequest, EchoResponse>("Block", EchoRequest.Parser, async (_, context) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            finally
            {
                BlockCancelled.TrySetResult(context.CancellationToken.IsCancellationRequested);
            }

            return new EchoResponse();
        })
        .AddUnary<EchoRequest, EchoResponse>("Hold", EchoRequest.Parser, async (request, _) =>
        {
            HoldStarted.TrySetResult();
            await _release.Task;
            return new EchoResponse { Text = "released " + request.Text };
        })
        .AddUnary<EchoRequest, EchoResponse>("Throw", EchoRequest.Parser, (request, _) =>
            throw new InvalidOperationException("handler failed on " + request.Text))
        .AddUnary<EchoRequest, EchoResponse>("NotFound", EchoRequest.Parser, (request, _) =>
            throw new TtrpcException(StatusCode.NotFound, $"container {request.Text} not found"))
        .AddUnary<EchoRequest, EchoResponse>("Big", EchoRequest.Parser, (request, _) =>
            Task.FromResult(new EchoResponse { Blob = ByteString.CopyFrom(new byte[request.Count]) }))
        .AddServerStreaming<EchoRequest, EchoResponse>("Count", EchoRequest.Parser, async (request, writer, context) =>
        {
            for (int i = 0; i < request.Count; i++)
            {
                await writer.WriteAsync(new EchoResponse { Text = request.Text, Index = i }, context.CancellationToken);
            }

            if (request.Text == "fail")
            {
                throw new TtrpcException(StatusCode.Aborted, $"stopped after {request.Count}");
            }
        })
        .AddClientStreaming<EchoRequest, EchoResponse>("Concat", EchoRequest.Parser, async (reader, context) =>
        {
            var text = new System.Text.StringBuilder();
            int count = 0;
            await foreach (var request in reader.ReadAllAsync(context.CancellationToken))
            {
                text.Append(request.Text);
                count++;
            }

            return new EchoResponse { Text = text.ToString(), Index = count };
        })
        .AddClientStreaming<EchoRequest, EchoResponse>("Stall", EchoRequest.Parser, async (_, context) =>
        {
            // Never reads its requests: they pile up in the stream's receive buffer.
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return new EchoResponse();
        })
        .AddDuplexStreaming<EchoRequest, EchoResponse>("Chat", EchoRequest.Parser, async (reader, writer, context) =>
        {
            int index = 0;
            await foreach (var request in reader.ReadAllAsync(context.CancellationToken))
            {
                await writer.WriteAsync(new EchoResponse { Text = request.Text.ToUpperInvariant(), Index = index++ }, context.CancellationToken);
            }
        });
}

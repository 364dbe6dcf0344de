using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Kata.Ttrpc.Client;
using Kata.Ttrpc.Tests.Infrastructure;
using Kata.Ttrpc.Tests.Protos.Containerd;

namespace Kata.Ttrpc.Tests.Interop;

/// <summary>
/// Our client against containerd's own (Go) ttrpc server: the call a shim makes for every task event, forwarded to
/// containerd.services.events.ttrpc.v1.Events/Forward on "&lt;address&gt;.ttrpc". Proves framing, Request/Response
/// encoding, metadata and Go's status encoding against the real implementation.
/// </summary>
public sealed class ContainerdEventsInteropTests
{
    private const string EventsService = "containerd.services.events.ttrpc.v1.Events";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Forward_to_a_real_containerd_is_answered_OK_and_reaches_ctr_events()
    {
        await using var containerd = await ContainerdProcess.StartAsync();
        await using var client = await TtrpcClient.ConnectAsync(containerd.TtrpcAddress, TestLogSink.CreateLogger(out _), Token);
        var (ctr, ctrOutput) = containerd.StartCtr("events");
        try
        {
            // `ctr events` gives no sign of having subscribed, so forward until it prints the event (bounded).
            string containerId = $"kata-ttrpc-{Guid.NewGuid():N}";
            string seen = "";
            for (int attempt = 0; attempt < 100 && !seen.Contains(containerId); attempt++)
            {
                var reply = await Forward(client, "/tasks/oom", containerId);
                Assert.IsType<Empty>(reply);
                await Task.Delay(100, Token);
                lock (ctrOutput)
                {
                    seen = ctrOutput.ToString();
                }
            }

            Assert.Contains(containerId, seen);
            Assert.Contains("/tasks/oom", seen);
            Assert.Contains("default", seen);
        }
        finally
        {
            ctr.Kill();
            await ctr.WaitForExitAsync(CancellationToken.None);
            ctr.Dispose();
        }
    }

    [Fact]
    public async Task Concurrent_forwards_on_one_connection_are_all_answered()
    {
        await using var containerd = await ContainerdProcess.StartAsync();
        await using var client = await TtrpcClient.ConnectAsync(containerd.TtrpcAddress, TestLogSink.CreateLogger(out _), Token);

        var replies = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Forward(client, "/tasks/oom", $"c{i}")));

        Assert.All(replies, reply => Assert.IsType<Empty>(reply));
    }

    [Fact]
    public async Task Containerd_refusal_arrives_as_a_status_code()
    {
        await using var containerd = await ContainerdProcess.StartAsync();
        await using var client = await TtrpcClient.ConnectAsync(containerd.TtrpcAddress, TestLogSink.CreateLogger(out _), Token);

        // A topic must start with "/" (containerd events/exchange validateTopic).
        var invalid = await Assert.ThrowsAsync<TtrpcException>(() => Forward(client, "no-leading-slash", "c1"));
        var unknown = await Assert.ThrowsAsync<TtrpcException>(() =>
            client.CallAsync(EventsService, "Publish", new ForwardRequest(), Empty.Parser, cancellationToken: Token));
        var reply = await Forward(client, "/tasks/oom", "after-errors");

        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Contains("topic", invalid.Detail);
        Assert.Equal(StatusCode.Unimplemented, unknown.StatusCode);
        Assert.IsType<Empty>(reply);
    }

    private static Task<Empty> Forward(TtrpcClient client, string topic, string containerId)
    {
        var request = new ForwardRequest
        {
            Envelope = new Envelope
            {
                Timestamp = Timestamp.FromDateTime(DateTime.UtcNow),
                Namespace = "default",
                Topic = topic,
                // containerd's typeurl names protobuf types by their full name, without the googleapis prefix.
                Event = new Any { TypeUrl = "containerd.events.TaskOOM", Value = new TaskOOM { ContainerId = containerId }.ToByteString() },
            },
        };
        return client.CallAsync(EventsService, "Forward", request, Empty.Parser,
            TtrpcCallOptions.ForContainerdNamespace("default", TimeSpan.FromSeconds(10)), Token);
    }
}

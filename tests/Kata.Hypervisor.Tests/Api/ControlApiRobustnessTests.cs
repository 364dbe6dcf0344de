using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Kata.Hypervisor.Api;
using Kata.Hypervisor.Vmm;
using Serilog.Core;

namespace Kata.Hypervisor.Tests.Api;

/// <summary>Hostile and unlucky clients: each gets a clear error (or is dropped), and the server keeps serving.</summary>
public sealed class ControlApiRobustnessTests : IAsyncLifetime
{
    private readonly TempSocketDirectory _dir = new();
    private readonly FakeVmControl _vm = new();
    private ControlApiServer _server = null!;

    public ValueTask InitializeAsync()
    {
        _server = new ControlApiServer(_dir.SocketPath, _vm, Logger.None);
        _server.Start();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    [Theory(Timeout = 10_000)]
    [InlineData("{\"id\":1,\"command\":")]
    [InlineData("not json at all")]
    [InlineData("{\"id\":1,\"command\":\"ping\"} trailing")]
    [InlineData("{'id':1}")]
    public async Task MalformedJson_GetsErrorAndConnectionStaysUsable(string line)
    {
        await using RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath);
        JsonElement response = await raw.RequestAsync(line);
        Assert.Equal(JsonValueKind.Null, response.GetProperty("id").ValueKind);
        Assert.False(response.GetProperty("ok").GetBoolean());
        Assert.StartsWith("malformed JSON request", response.GetProperty("error").GetString());

        JsonElement ping = await raw.RequestAsync("{\"id\":2,\"command\":\"ping\"}");
        Assert.True(ping.GetProperty("ok").GetBoolean());
    }

    [Fact(Timeout = 10_000)]
    public async Task InvalidUtf8_GetsError()
    {
        await using RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath);
        await raw.SendAsync([(byte)'{', (byte)'"', 0xff, 0xfe, (byte)'"', (byte)':', (byte)'1', (byte)'}', (byte)'\n']);
        using JsonDocument doc = JsonDocument.Parse((await raw.ReadLineAsync())!);
        Assert.False(doc.RootElement.GetProperty("ok").GetBoolean());
        Assert.True((await raw.RequestAsync("{\"id\":2,\"command\":\"ping\"}")).GetProperty("ok").GetBoolean());
    }

    [Theory(Timeout = 10_000)]
    [InlineData("[1,2,3]", "an array")]
    [InlineData("42", "a number")]
    [InlineData("null", "null")]
    [InlineData("\"ping\"", "a string")]
    public async Task NonObjectRequest_GetsError(string line, string what)
    {
        await using RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath);
        JsonElement response = await raw.RequestAsync(line);
        Assert.Equal($"request must be a JSON object, not {what}", response.GetProperty("error").GetString());
    }

    [Fact(Timeout = 10_000)]
    public async Task WrongPropertyType_KeepsTheId()
    {
        await using RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath);
        JsonElement response = await raw.RequestAsync("{\"id\":5,\"command\":17}");
        Assert.Equal(5, response.GetProperty("id").GetInt32());
        Assert.StartsWith("invalid request: ", response.GetProperty("error").GetString());
        Assert.Contains("$.command", response.GetProperty("error").GetString());
        JsonElement grace = await raw.RequestAsync("{\"id\":6,\"command\":\"shutdown\",\"graceMs\":\"soon\"}");
        Assert.False(grace.GetProperty("ok").GetBoolean());
        Assert.Empty(_vm.ShutdownGraces);
    }

    [Fact(Timeout = 10_000)]
    public async Task UnknownCommand_GetsErrorListingTheCommands_AndEchoesStringId()
    {
        await using RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath);
        await raw.SendAsync("{\"id\":\"abc\",\"command\":\"launch-missiles\"}\n");
        Assert.Equal(
            "{\"id\":\"abc\",\"ok\":false,\"error\":\"unknown command \\\"launch-missiles\\\" (expected one of: ping, pause, resume, shutdown, metrics, state)\"}",
            await raw.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task MissingCommand_GetsError()
    {
        await using RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath);
        JsonElement response = await raw.RequestAsync("{\"id\":9}");
        Assert.Equal(9, response.GetProperty("id").GetInt32());
        Assert.StartsWith("missing \"command\"", response.GetProperty("error").GetString());
    }

    [Fact(Timeout = 10_000)]
    public async Task ObjectId_IsRefused()
    {
        await using RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath);
        JsonElement response = await raw.RequestAsync("{\"id\":{\"a\":1},\"command\":\"ping\"}");
        Assert.Equal("\"id\" must be a number or a string", response.GetProperty("error").GetString());
    }

    [Fact(Timeout = 10_000)]
    public async Task BlankLinesAndCrLf_AreAccepted_AndPipelinedRequestsAnsweredInOrder()
    {
        await using RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath);
        await raw.SendAsync("\n\r\n  \n{\"id\":1,\"command\":\"ping\"}\r\n{\"id\":2,\"command\":\"state\"}\n{\"id\":3,\"command\":\"pause\"}\n");
        for (int id = 1; id <= 3; id++)
        {
            using JsonDocument doc = JsonDocument.Parse((await raw.ReadLineAsync())!);
            Assert.Equal(id, doc.RootElement.GetProperty("id").GetInt32());
            Assert.True(doc.RootElement.GetProperty("ok").GetBoolean());
        }
    }

    [Fact(Timeout = 15_000)]
    public async Task OverlongLine_100KiB_GetsErrorThenClose_ServerKeepsRunning()
    {
        await using RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath);
        string huge = "{\"id\":1,\"command\":\"" + new string('x', 100 * 1024) + "\"}\n";
        // The server may close while we are still writing: that is fine, the error line is what matters.
        Task send = Task.Run(async () =>
        {
            try
            {
                await raw.SendAsync(huge);
            }
            catch (IOException)
            {
            }
        }, TestContext.Current.CancellationToken);
        string? line = await raw.ReadLineAsync();
        Assert.Equal("{\"id\":null,\"ok\":false,\"error\":\"request line longer than 65536 bytes; closing the connection\"}", line);
        Assert.Null(await ReadLineOrNullOnResetAsync(raw));
        await send;

        await using ControlApiClient client = await ControlApiClient.ConnectAsync(_dir.SocketPath, TestContext.Current.CancellationToken);
        Assert.True((await client.PingAsync(TestContext.Current.CancellationToken)).Pong);
    }

    [Fact(Timeout = 10_000)]
    public async Task LineOfExactlyTheLimit_IsRead()
    {
        await using RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath);
        string prefix = "{\"id\":1,\"command\":\"ping\",\"pad\":\"";
        string suffix = "\"}";
        string line = prefix + new string('p', ControlApiProtocol.MaxRequestLineBytes - prefix.Length - suffix.Length) + suffix;
        Assert.Equal(ControlApiProtocol.MaxRequestLineBytes, line.Length);
        JsonElement response = await raw.RequestAsync(line);
        Assert.True(response.GetProperty("ok").GetBoolean());
    }

    [Fact(Timeout = 10_000)]
    public async Task ClientDisconnectingMidLine_IsDropped_ServerKeepsRunning()
    {
        await using (RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath))
        {
            await raw.SendAsync("{\"id\":1,\"command\":\"shut");
            await WaitForAsync(() => _server.ConnectionCount == 1);
        }
        await WaitForAsync(() => _server.ConnectionCount == 0);
        Assert.Empty(_vm.Calls);

        // A client that sends a full request and disconnects before reading the answer.
        await using (RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath))
        {
            await raw.SendAsync("{\"id\":1,\"command\":\"metrics\"}\n");
            raw.Socket.Shutdown(SocketShutdown.Both);
        }
        await WaitForAsync(() => _server.ConnectionCount == 0);

        await using ControlApiClient client = await ControlApiClient.ConnectAsync(_dir.SocketPath, TestContext.Current.CancellationToken);
        Assert.True((await client.PingAsync(TestContext.Current.CancellationToken)).Pong);
    }

    [Fact(Timeout = 30_000)]
    public async Task FiftyConcurrentClients_AllServed()
    {
        const int clients = 50;
        using var allConnected = new CountdownEvent(clients);
        async Task<int> RunClientAsync(int n)
        {
            await using ControlApiClient client = await ControlApiClient.ConnectAsync(_dir.SocketPath, TestContext.Current.CancellationToken);
            allConnected.Signal();
            int ok = 0;
            for (int i = 0; i < 10; i++)
            {
                PingResult ping = await client.PingAsync(TestContext.Current.CancellationToken);
                ok += ping.Pong ? 1 : 0;
                VmMetrics metrics = await client.GetMetricsAsync(TestContext.Current.CancellationToken);
                ok += metrics.RssKiB == 65536 ? 1 : 0;
            }
            // Half of the clients also send garbage, which must not disturb the others.
            if (n % 2 == 0)
            {
                await Assert.ThrowsAsync<ControlApiException>(() => client.SendAsync("bogus", cancellationToken: TestContext.Current.CancellationToken));
            }
            return ok;
        }
        int[] results = await Task.WhenAll(Enumerable.Range(0, clients).Select(n => Task.Run(() => RunClientAsync(n))));
        Assert.All(results, ok => Assert.Equal(20, ok));
        Assert.Equal(0, allConnected.CurrentCount);
        await WaitForAsync(() => _server.ConnectionCount == 0);
    }

    [Fact(Timeout = 10_000)]
    public async Task MoreClientsThanTheLimit_AreRefusedWithAnError()
    {
        using var dir = new TempSocketDirectory();
        await using var server = new ControlApiServer(dir.SocketPath, _vm, Logger.None) { MaxClients = 2 };
        server.Start();
        await using RawApiConnection first = await RawApiConnection.ConnectAsync(dir.SocketPath);
        await using RawApiConnection second = await RawApiConnection.ConnectAsync(dir.SocketPath);
        await WaitForAsync(() => server.ConnectionCount == 2);
        await using RawApiConnection third = await RawApiConnection.ConnectAsync(dir.SocketPath);
        string? refusal = await third.ReadLineAsync();
        Assert.Equal("{\"id\":null,\"ok\":false,\"error\":\"too many control API clients (at most 2); try again later\"}", refusal);
        Assert.True((await first.RequestAsync("{\"id\":1,\"command\":\"ping\"}")).GetProperty("ok").GetBoolean());
    }

    private static async Task<string?> ReadLineOrNullOnResetAsync(RawApiConnection raw)
    {
        try
        {
            return await raw.ReadLineAsync();
        }
        catch (IOException)
        {
            return null;
        }
    }

    internal static async Task WaitForAsync(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
        Assert.True(condition(), "condition not reached within 5 s");
    }
}

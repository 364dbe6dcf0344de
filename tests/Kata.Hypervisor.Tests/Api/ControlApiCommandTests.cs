using System.Text.Json;
using Kata.Hypervisor.Api;
using Kata.Hypervisor.Vmm;
using Serilog.Core;

namespace Kata.Hypervisor.Tests.Api;

/// <summary>Every control API command, on the wire and through <see cref="ControlApiClient"/>, against a fake VM.</summary>
public sealed class ControlApiCommandTests : IAsyncLifetime
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

    [Fact(Timeout = 10_000)]
    public async Task Ping_AnswersPongAndState_ExactWireFormat()
    {
        await using RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath);
        await raw.SendAsync("{\"id\":1,\"command\":\"ping\"}\n");
        Assert.Equal("{\"id\":1,\"ok\":true,\"result\":{\"pong\":true,\"state\":\"running\"}}", await raw.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task State_ReportsCurrentState()
    {
        await using ControlApiClient client = await ControlApiClient.ConnectAsync(_dir.SocketPath, TestContext.Current.CancellationToken);
        Assert.Equal(VmState.Running, await client.GetStateAsync(TestContext.Current.CancellationToken));
        _vm.State = VmState.Paused;
        Assert.Equal(VmState.Paused, await client.GetStateAsync(TestContext.Current.CancellationToken));
    }

    [Fact(Timeout = 10_000)]
    public async Task PauseAndResume_ReachTheVmAndReturnNewState()
    {
        await using ControlApiClient client = await ControlApiClient.ConnectAsync(_dir.SocketPath, TestContext.Current.CancellationToken);
        Assert.Equal(VmState.Paused, await client.PauseAsync(TestContext.Current.CancellationToken));
        Assert.Equal(VmState.Paused, _vm.State);
        Assert.Equal(VmState.Running, await client.ResumeAsync(TestContext.Current.CancellationToken));
        Assert.Equal(["pause", "resume"], _vm.Calls.ToArray());
    }

    [Fact(Timeout = 10_000)]
    public async Task Pause_AfterVmEnded_IsAnErrorNotACrash()
    {
        _vm.End(new VmExitStatus(VmExitKind.GuestShutdown, "guest powered off"));
        await using RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath);
        JsonElement response = await raw.RequestAsync("{\"id\":7,\"command\":\"pause\"}");
        Assert.Equal(7, response.GetProperty("id").GetInt32());
        Assert.False(response.GetProperty("ok").GetBoolean());
        Assert.Equal("pause: the VM has ended", response.GetProperty("error").GetString());
        Assert.False(response.TryGetProperty("result", out _));

        JsonElement ping = await raw.RequestAsync("{\"id\":8,\"command\":\"ping\"}");
        Assert.Equal("stopped", ping.GetProperty("result").GetProperty("state").GetString());
    }

    [Fact(Timeout = 10_000)]
    public async Task Metrics_RoundTripThroughJson()
    {
        await using ControlApiClient client = await ControlApiClient.ConnectAsync(_dir.SocketPath, TestContext.Current.CancellationToken);
        VmMetrics metrics = await client.GetMetricsAsync(TestContext.Current.CancellationToken);
        Assert.Equal(VmState.Running, metrics.State);
        Assert.Equal(1234.5, metrics.UptimeMs);
        Assert.Equal(42, metrics.ExitsByKind["IO"]);
        Assert.Equal(7, metrics.ExitsByKind["HLT"]);
        Assert.Equal([10.5, 20.25], metrics.VcpuCpuTimeMs);
        Assert.Equal(65536, metrics.RssKiB);
        Assert.Equal(99, metrics.SerialBytesOut);
        Assert.Equal(321.0, metrics.BootTimeMs);
    }

    [Fact(Timeout = 10_000)]
    public async Task Metrics_UseCamelCaseNames()
    {
        await using RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath);
        JsonElement result = (await raw.RequestAsync("{\"id\":1,\"command\":\"metrics\"}")).GetProperty("result");
        string[] names = [.. result.EnumerateObject().Select(p => p.Name)];
        Assert.Subset(names.ToHashSet(), new HashSet<string> { "state", "uptimeMs", "exitsByKind", "vcpuCpuTimeMs", "rssKiB", "serialBytesOut", "bootTimeMs" });
        Assert.All(names, n => Assert.True(char.IsLower(n[0]), n));
        Assert.Equal("running", result.GetProperty("state").GetString());
    }

    [Fact(Timeout = 10_000)]
    public async Task Shutdown_DefaultGraceIsFiveSeconds()
    {
        await using ControlApiClient client = await ControlApiClient.ConnectAsync(_dir.SocketPath, TestContext.Current.CancellationToken);
        ShutdownResult result = await client.ShutdownAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(VmExitKind.HostShutdown, result.Kind);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(TimeSpan.FromSeconds(5), Assert.Single(_vm.ShutdownGraces));
    }

    [Fact(Timeout = 10_000)]
    public async Task Shutdown_WithGraceMs_WireFormat()
    {
        await using RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath);
        await raw.SendAsync("{\"id\":3,\"command\":\"shutdown\",\"graceMs\":1500}\n");
        Assert.Equal(
            "{\"id\":3,\"ok\":true,\"result\":{\"kind\":\"hostShutdown\",\"reason\":\"shut down by the host\",\"exitCode\":0}}",
            await raw.ReadLineAsync());
        Assert.Equal(TimeSpan.FromMilliseconds(1500), Assert.Single(_vm.ShutdownGraces));
    }

    [Theory(Timeout = 10_000)]
    [InlineData(-1)]
    [InlineData(600_001)]
    public async Task Shutdown_GraceOutOfRange_IsRefused(int graceMs)
    {
        await using RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath);
        JsonElement response = await raw.RequestAsync($"{{\"id\":1,\"command\":\"shutdown\",\"graceMs\":{graceMs}}}");
        Assert.False(response.GetProperty("ok").GetBoolean());
        Assert.Contains("graceMs", response.GetProperty("error").GetString());
        Assert.Empty(_vm.ShutdownGraces);
    }

    [Fact(Timeout = 10_000)]
    public async Task Shutdown_ResponseIsSentOnlyOnceTheVmHasStopped()
    {
        _vm.CompleteShutdownImmediately = false;
        await using RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath);
        await raw.SendAsync("{\"id\":1,\"command\":\"shutdown\",\"graceMs\":100}\n");
        Task<string?> response = raw.ReadLineAsync();
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.False(response.IsCompleted, "shutdown answered before the VM stopped");
        Assert.Equal(["shutdown"], _vm.Calls.ToArray());

        _vm.End(new VmExitStatus(VmExitKind.GuestShutdown, "guest rebooted (i8042 reset)"));
        using JsonDocument doc = JsonDocument.Parse((await response)!);
        JsonElement result = doc.RootElement.GetProperty("result");
        Assert.Equal("guestShutdown", result.GetProperty("kind").GetString());
        Assert.Equal("guest rebooted (i8042 reset)", result.GetProperty("reason").GetString());
        Assert.Equal(VmState.Stopped, _vm.State);
    }

    [Fact(Timeout = 10_000)]
    public async Task Shutdown_FailureCarriesRegisterDump()
    {
        _vm.CompleteShutdownImmediately = false;
        _vm.End(new VmExitStatus(VmExitKind.TripleFault, "triple fault", "rip=0xfff0"));
        await using ControlApiClient client = await ControlApiClient.ConnectAsync(_dir.SocketPath, TestContext.Current.CancellationToken);
        ShutdownResult result = await client.ShutdownAsync(TimeSpan.Zero, TestContext.Current.CancellationToken);
        Assert.Equal(new ShutdownResult(VmExitKind.TripleFault, "triple fault", 1, "rip=0xfff0"), result);
    }

    [Fact(Timeout = 10_000)]
    public async Task Shutdown_MultiLineRegisterDump_StaysOnOneResponseLine()
    {
        _vm.CompleteShutdownImmediately = false;
        _vm.End(new VmExitStatus(VmExitKind.Error, "KVM_EXIT_INTERNAL_ERROR \"emulation failure\"", "rip=0x1000\nrsp=0x2000\n"));
        await using RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath);
        await raw.SendAsync("{\"id\":1,\"command\":\"shutdown\",\"graceMs\":0}\n{\"id\":2,\"command\":\"ping\"}\n");
        Assert.Equal(
            "{\"id\":1,\"ok\":true,\"result\":{\"kind\":\"error\",\"reason\":\"KVM_EXIT_INTERNAL_ERROR \\\"emulation failure\\\"\",\"exitCode\":1,\"registerDump\":\"rip=0x1000\\nrsp=0x2000\\n\"}}",
            await raw.ReadLineAsync());
        Assert.Equal("{\"id\":2,\"ok\":true,\"result\":{\"pong\":true,\"state\":\"stopped\"}}", await raw.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task Client_ServerError_ThrowsControlApiExceptionWithTheMessage()
    {
        await using ControlApiClient client = await ControlApiClient.ConnectAsync(_dir.SocketPath, TestContext.Current.CancellationToken);
        var ex = await Assert.ThrowsAsync<ControlApiException>(() => client.SendAsync("reboot", cancellationToken: TestContext.Current.CancellationToken));
        Assert.StartsWith("unknown command \"reboot\"", ex.Message);
        // The connection is still good afterwards.
        Assert.True((await client.PingAsync(TestContext.Current.CancellationToken)).Pong);
    }

    [Fact(Timeout = 10_000)]
    public async Task Client_ConcurrentCallersShareOneConnection()
    {
        await using ControlApiClient client = await ControlApiClient.ConnectAsync(_dir.SocketPath, TestContext.Current.CancellationToken);
        PingResult[] results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.PingAsync(TestContext.Current.CancellationToken)));
        Assert.All(results, r => Assert.True(r.Pong));
    }

    [Fact(Timeout = 10_000)]
    public async Task Client_ConnectToMissingSocket_ThrowsControlApiException()
    {
        var ex = await Assert.ThrowsAsync<ControlApiException>(
            () => ControlApiClient.ConnectAsync(Path.Combine(_dir.Path, "nothing.sock"), TestContext.Current.CancellationToken));
        Assert.Contains("nothing.sock", ex.Message);
    }
}

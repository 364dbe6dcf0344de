using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using Kata.Hypervisor.Api;
using Kata.Hypervisor.Vmm;
using Serilog.Core;

namespace Kata.Hypervisor.Tests.Api;

/// <summary>Socket file handling, start/dispose, and the order of events around a shutdown.</summary>
public sealed class ControlApiLifecycleTests : IDisposable
{
    private readonly TempSocketDirectory _dir = new();
    private readonly FakeVmControl _vm = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 10_000)]
    public async Task StaleSocketFile_IsReplaced()
    {
        // A socket file whose owner is gone: bind, then move the file away from the socket (.NET deletes the file
        // it bound when the socket is disposed), and move it back after the socket is closed.
        string elsewhere = Path.Combine(_dir.Path, "old.sock");
        using (var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            dead.Bind(new UnixDomainSocketEndPoint(elsewhere));
            dead.Listen();
            File.Move(elsewhere, _dir.SocketPath);
        }
        Assert.True(File.Exists(_dir.SocketPath));

        await using var server = new ControlApiServer(_dir.SocketPath, _vm, Logger.None);
        server.Start();
        await using ControlApiClient client = await ControlApiClient.ConnectAsync(_dir.SocketPath, TestContext.Current.CancellationToken);
        Assert.True((await client.PingAsync(TestContext.Current.CancellationToken)).Pong);
    }

    [Fact(Timeout = 10_000)]
    public async Task LeftoverRegularFile_IsReplaced()
    {
        await File.WriteAllTextAsync(_dir.SocketPath, "leftover", TestContext.Current.CancellationToken);
        await using var server = new ControlApiServer(_dir.SocketPath, _vm, Logger.None);
        server.Start();
        await using ControlApiClient client = await ControlApiClient.ConnectAsync(_dir.SocketPath, TestContext.Current.CancellationToken);
        Assert.True((await client.PingAsync(TestContext.Current.CancellationToken)).Pong);
    }

    [Fact(Timeout = 10_000)]
    public async Task SocketInUseByAnotherServer_IsNotStolen()
    {
        await using var first = new ControlApiServer(_dir.SocketPath, _vm, Logger.None);
        first.Start();
        var second = new ControlApiServer(_dir.SocketPath, new FakeVmControl(), Logger.None);
        var ex = Assert.Throws<ControlApiException>(second.Start);
        Assert.Equal($"api-socket: {_dir.SocketPath} is in use by another process", ex.Message);
        // Disposing the server that failed to start must not remove the socket file it never owned.
        await second.DisposeAsync();
        Assert.True(File.Exists(_dir.SocketPath));
        await using ControlApiClient client = await ControlApiClient.ConnectAsync(_dir.SocketPath, TestContext.Current.CancellationToken);
        Assert.True((await client.PingAsync(TestContext.Current.CancellationToken)).Pong);
    }

    [Fact]
    public void MissingDirectory_IsAClearError()
    {
        string path = Path.Combine(_dir.Path, "no-such-dir", "vmm.sock");
        var server = new ControlApiServer(path, _vm, Logger.None);
        var ex = Assert.Throws<ControlApiException>(server.Start);
        Assert.StartsWith($"api-socket: cannot listen on {path}", ex.Message);
    }

    [Fact(Timeout = 10_000)]
    public async Task SocketFile_IsOwnerOnly_AndDeletedOnDispose()
    {
        var server = new ControlApiServer(_dir.SocketPath, _vm, Logger.None);
        server.Start();
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_dir.SocketPath));
        }
        await server.DisposeAsync();
        Assert.False(File.Exists(_dir.SocketPath));
        await server.DisposeAsync(); // idempotent
    }

    [Fact(Timeout = 10_000)]
    public async Task Dispose_ClosesIdleClients()
    {
        var server = new ControlApiServer(_dir.SocketPath, _vm, Logger.None);
        server.Start();
        await using RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath);
        await ControlApiRobustnessTests.WaitForAsync(() => server.ConnectionCount == 1);
        await server.DisposeAsync();
        Assert.Null(await raw.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task ShutdownOrdering_VmEndsThenServerIsDisposed_ClientStillGetsTheResponse()
    {
        // What kata-style-vmm does: a client asks for shutdown; the VM ends (Exited completes); the VMM disposes the
        // server right away, racing the dispatcher's write. The response must still reach the client, then the
        // connection closes and the socket file is gone.
        _vm.CompleteShutdownImmediately = false;
        var server = new ControlApiServer(_dir.SocketPath, _vm, Logger.None);
        server.Start();
        await using RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath);
        await raw.SendAsync("{\"id\":1,\"command\":\"shutdown\",\"graceMs\":50}\n");
        await ControlApiRobustnessTests.WaitForAsync(() => _vm.Calls.Contains("shutdown"));

        Task host = Task.Run(async () =>
        {
            await _vm.Exited.Task;
            await server.DisposeAsync();
        }, TestContext.Current.CancellationToken);
        _vm.End(new VmExitStatus(VmExitKind.HostShutdown, "shut down by the host"));

        string? line = await raw.ReadLineAsync();
        Assert.NotNull(line);
        using JsonDocument doc = JsonDocument.Parse(line);
        Assert.True(doc.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal("hostShutdown", doc.RootElement.GetProperty("result").GetProperty("kind").GetString());
        Assert.Null(await raw.ReadLineAsync());
        await host;
        Assert.False(File.Exists(_dir.SocketPath));
    }

    [Fact(Timeout = 10_000)]
    public async Task ShutdownOrdering_DisposeWaitsForTheInFlightShutdownResponse()
    {
        // Deterministic order: dispose starts while the shutdown is still running; it stops accepting at once but
        // completes only after the VM has ended and the response has been written.
        _vm.CompleteShutdownImmediately = false;
        var server = new ControlApiServer(_dir.SocketPath, _vm, Logger.None) { DrainTimeout = TimeSpan.FromSeconds(5) };
        server.Start();
        await using RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath);
        await raw.SendAsync("{\"id\":1,\"command\":\"shutdown\"}\n");
        await ControlApiRobustnessTests.WaitForAsync(() => _vm.Calls.Contains("shutdown"));

        Task dispose = server.DisposeAsync().AsTask();
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.False(dispose.IsCompleted, "dispose did not wait for the running shutdown request");
        await Assert.ThrowsAnyAsync<SocketException>(() => RawApiConnection.ConnectAsync(_dir.SocketPath));

        _vm.End(new VmExitStatus(VmExitKind.HostShutdown, "shut down by the host"));
        string? line = await raw.ReadLineAsync();
        Assert.Equal("{\"id\":1,\"ok\":true,\"result\":{\"kind\":\"hostShutdown\",\"reason\":\"shut down by the host\",\"exitCode\":0}}", line);
        await dispose;
        Assert.Null(await raw.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task Dispose_AbandonsARequestThatOutlivesTheDrainTimeout()
    {
        _vm.CompleteShutdownImmediately = false; // the "VM" never ends
        var server = new ControlApiServer(_dir.SocketPath, _vm, Logger.None) { DrainTimeout = TimeSpan.FromMilliseconds(200) };
        server.Start();
        await using RawApiConnection raw = await RawApiConnection.ConnectAsync(_dir.SocketPath);
        await raw.SendAsync("{\"id\":1,\"command\":\"shutdown\"}\n");
        await ControlApiRobustnessTests.WaitForAsync(() => _vm.Calls.Contains("shutdown"));
        var watch = Stopwatch.StartNew();
        await server.DisposeAsync();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"dispose took {watch.Elapsed}");
        Assert.Null(await raw.ReadLineAsync());
    }

    [Fact]
    public async Task StartTwice_Throws()
    {
        await using var server = new ControlApiServer(_dir.SocketPath, _vm, Logger.None);
        server.Start();
        Assert.Throws<InvalidOperationException>(server.Start);
    }
}

using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Kata.Shim.Interop;
using Kata.Shim.Manager;
using Kata.Shim.Protos.Task;
using Kata.Shim.Tests.Infrastructure;
using Kata.Ttrpc;
using Kata.Ttrpc.Client;

namespace Kata.Shim.Tests.Manager;

/// <summary>
/// The `start` and `delete` commands as containerd runs them: the real binary (under dotnet), a bundle directory as
/// the working directory, its stdout read as the answer.
/// </summary>
public sealed class StartAndDeleteCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly string _containerdAddress;

    public StartAndDeleteCommandTests()
    {
        _containerdAddress = _directory.File("containerd.sock");
    }

    private string SocketDirectory => _directory.File("s");

    private string Bundle(string id, string? sandboxId = null)
    {
        string bundle = Path.Combine(_directory.Path, "bundles", id);
        Directory.CreateDirectory(bundle);
        string annotations = sandboxId is null ? "" : $", \"annotations\": {{\"{BundleSpec.SandboxIdAnnotation}\": \"{sandboxId}\"}}";
        File.WriteAllText(Path.Combine(bundle, "config.json"), $"{{\"ociVersion\": \"1.0.2\", \"root\": {{\"path\": \"rootfs\"}}{annotations}}}");
        return bundle;
    }

    private Task<ProcessRunner.Result> RunShimAsync(string bundle, string id, string action, Dictionary<string, string?>? environment = null)
    {
        environment ??= [];
        environment.TryAdd(StartCommand.SocketDirectoryVariable, SocketDirectory);
        environment.TryAdd(StartCommand.GrpcAddressVariable, null);
        environment.TryAdd("TTRPC_ADDRESS", null);
        return ProcessRunner.RunAsync(Executables.Dotnet,
            [Executables.ShimDll, "-namespace", "shimtest", "-address", _containerdAddress, "-publish-binary", "/bin/true", "-id", id, action],
            bundle, environment, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Start_prints_the_address_and_the_daemon_serves_on_the_inherited_fd_3()
    {
        string bundle = Bundle("c1");
        ProcessRunner.Result result = await RunShimAsync(bundle, "c1", "start");

        Assert.True(result.ExitCode == 0, result.Output);
        string expected = ShimSocket.Address(_containerdAddress, "shimtest", "c1", SocketDirectory);
        Assert.Equal(expected, result.Stdout);
        Assert.Equal("", result.Stderr);
        Assert.Equal(expected, File.ReadAllText(Path.Combine(bundle, "address")));
        int daemonPid = int.Parse(File.ReadAllText(Path.Combine(bundle, "shim.pid")));

        await using (var client = await TtrpcClient.ConnectAsync(ShimSocket.PathOf(expected), Serilog.Core.Logger.None, TestContext.Current.CancellationToken))
        {
            var options = TtrpcCallOptions.ForContainerdNamespace("shimtest", TimeSpan.FromSeconds(10));
            ConnectResponse connected = await client.CallAsync("containerd.task.v2.Task", "Connect", new ConnectRequest { Id = "c1" },
                ConnectResponse.Parser, options, TestContext.Current.CancellationToken);
            Assert.Equal((uint)daemonPid, connected.ShimPid);

            // Also served as containerd 2.x's service name.
            var missing = await Assert.ThrowsAsync<TtrpcException>(() => client.CallAsync("containerd.task.v3.Task", "State",
                new StateRequest { Id = "nope" }, StateResponse.Parser, options, TestContext.Current.CancellationToken));
            Assert.Equal(StatusCode.NotFound, missing.StatusCode);
            Assert.Contains("container nope does not exist", missing.Detail);

            var checkpoint = await Assert.ThrowsAsync<TtrpcException>(() => client.CallAsync("containerd.task.v2.Task", "Checkpoint",
                new CheckpointTaskRequest { Id = "c1" }, Empty.Parser, options, TestContext.Current.CancellationToken));
            Assert.Equal(StatusCode.Unimplemented, checkpoint.StatusCode);

            // A second container of the same pod gets the same shim.
            string sibling = Bundle("c2", sandboxId: "c1");
            ProcessRunner.Result second = await RunShimAsync(sibling, "c2", "start");
            Assert.True(second.ExitCode == 0, second.Output);
            Assert.Equal(expected, second.Stdout);
            Assert.False(File.Exists(Path.Combine(sibling, "shim.pid")));

            // Shutdown with no containers ends the daemon.
            await client.CallAsync("containerd.task.v2.Task", "Shutdown", new ShutdownRequest { Id = "c1" }, Empty.Parser, options,
                TestContext.Current.CancellationToken);
        }
        for (int attempt = 0; attempt < 200 && Libc.Kill(daemonPid, 0) == 0; attempt++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        Assert.True(Libc.Kill(daemonPid, 0) != 0, $"the shim daemon {daemonPid} is still running after Shutdown");
        Assert.False(File.Exists(ShimSocket.PathOf(expected)), "the daemon removes its socket file when it exits");
    }

    [Fact]
    public async Task Start_with_GRPC_ADDRESS_prints_the_json_bootstrap_answer()
    {
        string bundle = Bundle("j1");
        ProcessRunner.Result result = await RunShimAsync(bundle, "j1", "start", new() { [StartCommand.GrpcAddressVariable] = _containerdAddress });
        Assert.True(result.ExitCode == 0, result.Output);
        string address = ShimSocket.Address(_containerdAddress, "shimtest", "j1", SocketDirectory);
        Assert.Equal($"{{\"version\":2,\"address\":\"{address}\",\"protocol\":\"ttrpc\"}}", result.Stdout);
        await using var client = await TtrpcClient.ConnectAsync(ShimSocket.PathOf(address), Serilog.Core.Logger.None, TestContext.Current.CancellationToken);
        await client.CallAsync("containerd.task.v2.Task", "Shutdown", new ShutdownRequest { Id = "j1" }, Empty.Parser,
            TtrpcCallOptions.ForContainerdNamespace("shimtest", TimeSpan.FromSeconds(10)), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Start_in_a_directory_without_config_json_fails_clearly()
    {
        string bundle = _directory.File("empty");
        Directory.CreateDirectory(bundle);
        ProcessRunner.Result result = await RunShimAsync(bundle, "e1", "start");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"bundle {bundle} has no config.json", result.Stderr);
    }

    [Fact]
    public async Task The_daemon_without_a_listening_fd_3_says_so()
    {
        ProcessRunner.Result result = await ProcessRunner.RunAsync(Executables.Dotnet,
            [Executables.ShimDll, "-namespace", "shimtest", "-id", "d1", "-address", _containerdAddress], _directory.Path,
            cancel: TestContext.Current.CancellationToken);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("fd 3 is not a listening socket", result.Stderr);
    }

    [Fact]
    public async Task Delete_kills_the_leftover_init_and_prints_a_DeleteResponse()
    {
        string bundle = Bundle("x1");
        using var leftover = Process.Start(new ProcessStartInfo("/bin/sleep", ["600"]))!;
        File.WriteAllText(Path.Combine(bundle, "init.pid"), leftover.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        string sandboxState = _directory.File("sandbox-x1");
        Directory.CreateDirectory(sandboxState);
        File.WriteAllText(Path.Combine(bundle, "sandbox-state"), sandboxState);
        DateTimeOffset before = DateTimeOffset.UtcNow.AddSeconds(-1);

        ProcessRunner.Result result = await RunShimAsync(bundle, "x1", "delete");

        Assert.True(result.ExitCode == 0, result.Output);
        DeleteResponse response = DeleteResponse.Parser.ParseFrom(result.StdoutBytes);
        Assert.Equal(137u, response.ExitStatus);
        Assert.Equal((uint)leftover.Id, response.Pid);
        Assert.True(response.ExitedAt.ToDateTimeOffset() >= before);
        await leftover.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.False(Directory.Exists(sandboxState));
    }

    [Fact]
    public async Task Delete_of_a_bundle_with_nothing_left_still_answers()
    {
        string bundle = Bundle("x2");
        ProcessRunner.Result result = await RunShimAsync(bundle, "x2", "delete");
        Assert.True(result.ExitCode == 0, result.Output);
        DeleteResponse response = DeleteResponse.Parser.ParseFrom(result.StdoutBytes);
        Assert.Equal(137u, response.ExitStatus);
        Assert.Equal(0u, response.Pid);
    }

    public void Dispose() => _directory.Dispose();
}

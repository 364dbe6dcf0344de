using System.Net.Sockets;
using Google.Protobuf.WellKnownTypes;
using Kata.Ttrpc.Server;
using Kata.Ttrpc.Tests.Infrastructure;
using Kata.Ttrpc.Tests.Protos.Containerd;

namespace Kata.Ttrpc.Tests.Interop;

/// <summary>
/// Our server against containerd's Go ttrpc client: `ctr shim --id X state|delete` dials a shim's Task service
/// directly. ctr 1.6 tries /run/containerd/s/&lt;hash&gt; and then the abstract socket
/// "\0/containerd-shim/&lt;namespace&gt;/&lt;id&gt;/shim.sock" (Go 1.19 counts a trailing NUL in the abstract name), where
/// this test serves; no containerd daemon is involved.
/// </summary>
public sealed class CtrShimInteropTests
{
    private const string TaskService = "containerd.task.v2.Task";

    [Fact]
    public async Task Ctr_shim_state_reads_our_Task_service()
    {
        await using var shim = await FakeShim.StartAsync();

        var (exitCode, output) = await shim.RunCtrAsync("state");

        Assert.True(exitCode == 0, $"ctr shim state exited {exitCode}:\n{output}");
        Assert.Contains($"\"id\": \"{shim.Id}\"", output);
        Assert.Contains($"\"bundle\": \"/run/kata-style/{shim.Id}\"", output);
        Assert.Contains("\"pid\": 4242", output);
    }

    [Fact]
    public async Task Ctr_shim_delete_shows_our_status_error()
    {
        await using var shim = await FakeShim.StartAsync();

        var (exitCode, output) = await shim.RunCtrAsync("delete");

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"container {shim.Id} has no task", output);
        Assert.Contains("code = NotFound", output);
    }

    private sealed class FakeShim : IAsyncDisposable
    {
        private readonly TtrpcServer _server;

        private FakeShim(string id, TtrpcServer server)
        {
            Id = id;
            _server = server;
        }

        public string Id { get; }

        public static async Task<FakeShim> StartAsync()
        {
            if (ContainerdProcess.FindOnPath("ctr") is null)
            {
                Assert.Skip("ctr is not installed (Debian package 'containerd'); the interop test needs a Go ttrpc client");
            }

            string id = $"ktt{Guid.NewGuid():N}"[..20];
            var server = new TtrpcServer(TestLogSink.CreateLogger(out _));
            server.AddService(TaskService, service => service
                .AddUnary<StateRequest, StateResponse>("State", StateRequest.Parser, (request, _) =>
                    Task.FromResult(new StateResponse { Id = request.Id, Bundle = $"/run/kata-style/{request.Id}", Pid = 4242, Status = ProcessStatus.Running }))
                .AddUnary<DeleteRequest, Empty>("Delete", DeleteRequest.Parser, (request, _) =>
                    throw new TtrpcException(StatusCode.NotFound, $"container {id} has no task")));

            var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint($"\0/containerd-shim/default/{id}/shim.sock\0"));
            listener.Listen(4);
            server.Serve(listener);
            await Task.CompletedTask;
            return new FakeShim(id, server);
        }

        public async Task<(int ExitCode, string Output)> RunCtrAsync(string command)
        {
            using var directory = new TempDirectory();
            var start = new System.Diagnostics.ProcessStartInfo(ContainerdProcess.FindOnPath("ctr")!,
                ["--address", directory.File("no-containerd.sock"), "--namespace", "default", "shim", "--id", Id, command])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var ctr = System.Diagnostics.Process.Start(start)!;
            var stdout = ctr.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = ctr.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await ctr.WaitForExitAsync(TestContext.Current.CancellationToken);
            return (ctr.ExitCode, await stdout + await stderr);
        }

        public ValueTask DisposeAsync() => _server.DisposeAsync();
    }
}

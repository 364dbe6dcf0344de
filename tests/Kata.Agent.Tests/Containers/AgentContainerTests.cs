using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Kata.Agent.Protocol;
using Kata.Agent.Tests.Infrastructure;

namespace Kata.Agent.Tests.Containers;

/// <summary>Containers through the real agent process (as the `process` sandbox runs it), real namespaces, as root.</summary>
public sealed class AgentContainerTests : IAsyncLifetime
{
    private readonly ScratchDirectory _scratch = new();
    private readonly BusyboxRootfs _rootfs = new();
    private AgentProcess _agent = null!;
    private AgentService.AgentServiceClient _client = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        if (Environment.UserName != "root")
        {
            Assert.Skip("containers need root");
        }
        string socket = Path.Combine(_scratch.Path, "agent.sock");
        _agent = AgentProcess.Start("--listen", $"unix:{socket}", "--state-dir", Path.Combine(_scratch.Path, "state"));
        await _agent.WaitUntilServingAsync();
        _client = new AgentService.AgentServiceClient(AgentProcess.ChannelFor(socket));
    }

    public async ValueTask DisposeAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }
        _rootfs.Dispose();
        _scratch.Dispose();
    }

    private async Task<uint> CreateAsync(string id, string specJson, bool stdin = false) =>
        (await _client.CreateContainerAsync(new CreateContainerRequest
        {
            ContainerId = id,
            OciSpecJson = ByteString.CopyFromUtf8(specJson),
            Stdio = new StdioConfig { Stdin = stdin },
        }, cancellationToken: Cancel)).Pid;

    private async Task<string> ReadAllStdoutAsync(string id, string execId = "")
    {
        var output = new StringBuilder();
        while (true)
        {
            ReadStreamResponse chunk = await _client.ReadStdoutAsync(new ReadStreamRequest { ContainerId = id, ExecId = execId, Len = 4096 }, cancellationToken: Cancel);
            if (chunk.Eof)
            {
                return output.ToString();
            }
            output.Append(chunk.Data.ToStringUtf8());
        }
    }

    private async Task<int> WaitAsync(string id, string execId = "") =>
        (await _client.WaitProcessAsync(new WaitProcessRequest { ContainerId = id, ExecId = execId }, cancellationToken: Cancel)).Status;

    [Fact]
    public async Task CreateStartWait_RunsTheProcessInItsOwnPidNamespace_WithItsOutputAndExitCode()
    {
        uint pid = await CreateAsync("c1", _rootfs.SpecJson("sh", "-c", "echo pid=$$; echo oops >&2; exit 7"));
        Assert.True(pid > 1);

        await _client.StartContainerAsync(new StartContainerRequest { ContainerId = "c1" }, cancellationToken: Cancel);
        string stdout = await ReadAllStdoutAsync("c1");
        ReadStreamResponse stderr = await _client.ReadStderrAsync(new ReadStreamRequest { ContainerId = "c1", Len = 100 }, cancellationToken: Cancel);
        int status = await WaitAsync("c1");

        Assert.Equal("pid=1\n", stdout);
        Assert.Equal("oops\n", stderr.Data.ToStringUtf8());
        Assert.Equal(7, status);
        await _client.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = "c1" }, cancellationToken: Cancel);
        Assert.False(Directory.Exists(Path.Combine(_scratch.Path, "state", "bundles", "c1")));
    }

    [Fact]
    public async Task ProcessThatExitsAtOnce_LosesNoOutput()
    {
        string script = "i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done";
        await CreateAsync("fast", _rootfs.SpecJson("sh", "-c", script));
        await _client.StartContainerAsync(new StartContainerRequest { ContainerId = "fast" }, cancellationToken: Cancel);

        int status = await WaitAsync("fast");
        string stdout = await ReadAllStdoutAsync("fast");

        Assert.Equal(0, status);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2000, lines.Length);
        Assert.Equal("line-1999", lines[^1]);
    }

    [Fact]
    public async Task Stdin_IsDeliveredAndClosed()
    {
        await CreateAsync("cat", _rootfs.SpecJson("cat"), stdin: true);
        await _client.StartContainerAsync(new StartContainerRequest { ContainerId = "cat" }, cancellationToken: Cancel);

        await _client.WriteStdinAsync(new WriteStreamRequest { ContainerId = "cat", Data = ByteString.CopyFromUtf8("hello through stdin\n") }, cancellationToken: Cancel);
        await _client.CloseStdinAsync(new CloseStdinRequest { ContainerId = "cat" }, cancellationToken: Cancel);

        Assert.Equal("hello through stdin\n", await ReadAllStdoutAsync("cat"));
        Assert.Equal(0, await WaitAsync("cat"));
    }

    [Fact]
    public async Task Exec_JoinsTheContainer_AndSignalsGiveTheirStatus()
    {
        await CreateAsync("svc", _rootfs.SpecJson("sleep", "300"));
        await _client.StartContainerAsync(new StartContainerRequest { ContainerId = "svc" }, cancellationToken: Cancel);

        await _client.ExecProcessAsync(new ExecProcessRequest
        {
            ContainerId = "svc",
            ExecId = "e1",
            OciProcessJson = ByteString.CopyFromUtf8(BusyboxRootfs.ProcessJson("sh", "-c", "echo exec-pid-is-not-1=$([ $$ -ne 1 ] && echo yes); ps -o pid,args | grep -c 'sleep 300'")),
        }, cancellationToken: Cancel);
        string execOut = await ReadAllStdoutAsync("svc", "e1");
        Assert.Equal(0, await WaitAsync("svc", "e1"));
        ListProcessesResponse listed = await _client.ListProcessesAsync(new ListProcessesRequest { ContainerId = "svc" }, cancellationToken: Cancel);

        await _client.SignalProcessAsync(new SignalProcessRequest { ContainerId = "svc", Signal = 9 }, cancellationToken: Cancel);
        int status = await WaitAsync("svc");

        Assert.StartsWith("exec-pid-is-not-1=yes\n", execOut, StringComparison.Ordinal);
        Assert.NotEmpty(listed.Pids);
        Assert.Equal(128 + 9, status);
    }

    [Fact]
    public async Task RemoveContainer_OfARunningContainer_KillsItAndLeavesNothing()
    {
        uint pid = await CreateAsync("doomed", _rootfs.SpecJson("sleep", "300"));
        await _client.StartContainerAsync(new StartContainerRequest { ContainerId = "doomed" }, cancellationToken: Cancel);

        await _client.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = "doomed", Timeout = 1 }, cancellationToken: Cancel);

        Assert.False(Directory.Exists($"/proc/{pid}") && File.ReadAllText($"/proc/{pid}/cmdline").Contains("sleep", StringComparison.Ordinal));
        Assert.DoesNotContain(File.ReadLines("/proc/self/mountinfo"), l => l.Contains(_rootfs.Path, StringComparison.Ordinal));
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await _client.WaitProcessAsync(new WaitProcessRequest { ContainerId = "doomed" }, cancellationToken: Cancel));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task BadRequests_AreClearErrorsAndLeaveNothing()
    {
        var badSpec = await Assert.ThrowsAsync<RpcException>(async () =>
            await CreateAsync("bad", """{"ociVersion":"1.2.0","process":{"args":[],"cwd":"/"},"root":{"path":"/x"}}"""));
        Assert.Equal(StatusCode.InvalidArgument, badSpec.StatusCode);
        Assert.Contains("process.args: must not be empty", badSpec.Status.Detail, StringComparison.Ordinal);

        var malformed = await Assert.ThrowsAsync<RpcException>(async () => await CreateAsync("bad", "{not json"));
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);

        var unknown = await Assert.ThrowsAsync<RpcException>(async () =>
            await _client.StartContainerAsync(new StartContainerRequest { ContainerId = "nope" }, cancellationToken: Cancel));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);

        await CreateAsync("dup", _rootfs.SpecJson("true"));
        var duplicate = await Assert.ThrowsAsync<RpcException>(async () => await CreateAsync("dup", _rootfs.SpecJson("true")));
        Assert.Equal(StatusCode.AlreadyExists, duplicate.StatusCode);

        Assert.False(Directory.Exists(Path.Combine(_scratch.Path, "state", "bundles", "bad")));
    }

    [Fact]
    public async Task DestroySandbox_RemovesEveryContainer_AndTheAgentExits()
    {
        uint pid = await CreateAsync("a", _rootfs.SpecJson("sleep", "300"));
        await _client.StartContainerAsync(new StartContainerRequest { ContainerId = "a" }, cancellationToken: Cancel);

        await _client.DestroySandboxAsync(new DestroySandboxRequest(), cancellationToken: Cancel);
        int exitCode = await _agent.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30), Cancel);

        Assert.Equal(0, exitCode);
        Assert.False(File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Contains("sleep", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PauseResumeAndStats_GoThroughTheContainersCgroup()
    {
        uint pid = await CreateAsync("frz", _rootfs.SpecJson("sleep", "300"));
        await _client.StartContainerAsync(new StartContainerRequest { ContainerId = "frz" }, cancellationToken: Cancel);

        await _client.PauseContainerAsync(new PauseContainerRequest { ContainerId = "frz" }, cancellationToken: Cancel);
        string pausedState = await ProcessStateAsync(pid, expectFrozen: true);
        await _client.ResumeContainerAsync(new ResumeContainerRequest { ContainerId = "frz" }, cancellationToken: Cancel);
        string resumedState = await ProcessStateAsync(pid, expectFrozen: false);
        StatsContainerResponse stats = await _client.StatsContainerAsync(new StatsContainerRequest { ContainerId = "frz" }, cancellationToken: Cancel);

        Assert.StartsWith("D", pausedState, StringComparison.Ordinal); // frozen tasks show as D (uninterruptible) on cgroup v1
        Assert.StartsWith("S", resumedState, StringComparison.Ordinal);
        Assert.True(stats.CgroupStats.Pids.Current >= 1, $"pids.current {stats.CgroupStats.Pids.Current}");
        Assert.True(stats.CgroupStats.Memory.Usage > 0);
        await _client.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = "frz" }, cancellationToken: Cancel);
    }

    /// <summary>The "State:" letter of /proc/PID/status once it is (or is no longer) frozen; the freezer acts asynchronously.</summary>
    private static async Task<string> ProcessStateAsync(uint pid, bool expectFrozen)
    {
        string state = "";
        for (int i = 0; i < 100; i++)
        {
            state = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("State:", StringComparison.Ordinal))[6..].Trim();
            if (state.StartsWith('D') == expectFrozen)
            {
                break;
            }
            await Task.Delay(50, Cancel);
        }
        return state;
    }

    [Fact]
    public async Task RuncSpecDefaults_AmbientCapabilitiesWithoutInheritable_RunLikeRunc()
    {
        if (!File.Exists("/usr/sbin/runc"))
        {
            Assert.Skip("runc is not installed: `runc spec` writes the config this test runs");
        }
        using var bundle = new ScratchDirectory();
        using (var runc = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/sbin/runc", "spec") { WorkingDirectory = bundle.Path })!)
        {
            await runc.WaitForExitAsync(Cancel);
        }
        Kata.Oci.Spec.RuntimeSpec spec = Kata.Oci.Spec.SpecLoader.Parse(File.ReadAllText(Path.Combine(bundle.Path, "config.json")), "runc spec");
        Assert.NotEmpty(spec.Process!.Capabilities!.Ambient!);
        spec = spec with
        {
            Root = spec.Root! with { Path = _rootfs.Path },
            Process = spec.Process with { Terminal = false, Args = ["sh", "-c", "grep CapAmb /proc/self/status"] },
        };

        await CreateAsync("runcdefaults", Kata.Oci.Spec.SpecSerializer.Serialize(spec));
        await _client.StartContainerAsync(new StartContainerRequest { ContainerId = "runcdefaults" }, cancellationToken: Cancel);

        Assert.Equal("CapAmb:\t0000000000000000\n", await ReadAllStdoutAsync("runcdefaults"));
        Assert.Equal(0, await WaitAsync("runcdefaults"));
    }
}

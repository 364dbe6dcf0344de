using Google.Protobuf;
using Grpc.Core;
using Kata.Agent.Protocol;
using Kata.Agent.Tests.Infrastructure;

namespace Kata.Agent.Tests.Containers;

/// <summary>Containers through the real agent process (as the `process` sandbox runs it), real namespaces, as root.</summary>
public sealed class AgentContainerTests : RunningAgentTests
{
    private async Task<uint> CreateAsync(string id, string specJson, bool stdin = false) =>
        (await Client.CreateContainerAsync(new CreateContainerRequest
        {
            ContainerId = id,
            OciSpecJson = ByteString.CopyFromUtf8(specJson),
            Stdio = new StdioConfig { Stdin = stdin },
        }, cancellationToken: Cancel)).Pid;

    [Fact]
    public async Task CreateStartWait_RunsTheProcessInItsOwnPidNamespace_WithItsOutputAndExitCode()
    {
        uint pid = await CreateAsync("c1", Rootfs.SpecJson("sh", "-c", "echo pid=$$; echo oops >&2; exit 7"));
        Assert.True(pid > 1);

        await Client.StartContainerAsync(new StartContainerRequest { ContainerId = "c1" }, cancellationToken: Cancel);
        string stdout = await ReadAllStdoutAsync("c1");
        ReadStreamResponse stderr = await Client.ReadStderrAsync(new ReadStreamRequest { ContainerId = "c1", Len = 100 }, cancellationToken: Cancel);
        int status = await WaitAsync("c1");

        Assert.Equal("pid=1\n", stdout);
        Assert.Equal("oops\n", stderr.Data.ToStringUtf8());
        Assert.Equal(7, status);
        await Client.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = "c1" }, cancellationToken: Cancel);
        Assert.False(Directory.Exists(Path.Combine(Scratch.Path, "state", "bundles", "c1")));
    }

    [Fact]
    public async Task ProcessThatExitsAtOnce_LosesNoOutput()
    {
        string script = "i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done";
        await CreateAsync("fast", Rootfs.SpecJson("sh", "-c", script));
        await Client.StartContainerAsync(new StartContainerRequest { ContainerId = "fast" }, cancellationToken: Cancel);

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
        await CreateAsync("cat", Rootfs.SpecJson("cat"), stdin: true);
        await Client.StartContainerAsync(new StartContainerRequest { ContainerId = "cat" }, cancellationToken: Cancel);

        await Client.WriteStdinAsync(new WriteStreamRequest { ContainerId = "cat", Data = ByteString.CopyFromUtf8("hello through stdin\n") }, cancellationToken: Cancel);
        await Client.CloseStdinAsync(new CloseStdinRequest { ContainerId = "cat" }, cancellationToken: Cancel);

        Assert.Equal("hello through stdin\n", await ReadAllStdoutAsync("cat"));
        Assert.Equal(0, await WaitAsync("cat"));
    }

    [Fact]
    public async Task Exec_JoinsTheContainer_AndSignalsGiveTheirStatus()
    {
        await CreateAsync("svc", Rootfs.SpecJson("sleep", "300"));
        await Client.StartContainerAsync(new StartContainerRequest { ContainerId = "svc" }, cancellationToken: Cancel);

        await Client.ExecProcessAsync(new ExecProcessRequest
        {
            ContainerId = "svc",
            ExecId = "e1",
            OciProcessJson = ByteString.CopyFromUtf8(BusyboxRootfs.ProcessJson("sh", "-c", "echo exec-pid-is-not-1=$([ $$ -ne 1 ] && echo yes); ps -o pid,args | grep -c 'sleep 300'")),
        }, cancellationToken: Cancel);
        string execOut = await ReadAllStdoutAsync("svc", "e1");
        Assert.Equal(0, await WaitAsync("svc", "e1"));
        ListProcessesResponse listed = await Client.ListProcessesAsync(new ListProcessesRequest { ContainerId = "svc" }, cancellationToken: Cancel);

        await Client.SignalProcessAsync(new SignalProcessRequest { ContainerId = "svc", Signal = 9 }, cancellationToken: Cancel);
        int status = await WaitAsync("svc");

        Assert.StartsWith("exec-pid-is-not-1=yes\n", execOut, StringComparison.Ordinal);
        Assert.NotEmpty(listed.Pids);
        Assert.Equal(128 + 9, status);
    }

    [Fact]
    public async Task RemoveContainer_OfARunningContainer_KillsItAndLeavesNothing()
    {
        uint pid = await CreateAsync("doomed", Rootfs.SpecJson("sleep", "300"));
        await Client.StartContainerAsync(new StartContainerRequest { ContainerId = "doomed" }, cancellationToken: Cancel);

        await Client.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = "doomed", Timeout = 1 }, cancellationToken: Cancel);

        Assert.False(Directory.Exists($"/proc/{pid}") && File.ReadAllText($"/proc/{pid}/cmdline").Contains("sleep", StringComparison.Ordinal));
        Assert.DoesNotContain(File.ReadLines("/proc/self/mountinfo"), l => l.Contains(Rootfs.Path, StringComparison.Ordinal));
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.WaitProcessAsync(new WaitProcessRequest { ContainerId = "doomed" }, cancellationToken: Cancel));
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
            await Client.StartContainerAsync(new StartContainerRequest { ContainerId = "nope" }, cancellationToken: Cancel));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);

        await CreateAsync("dup", Rootfs.SpecJson("true"));
        var duplicate = await Assert.ThrowsAsync<RpcException>(async () => await CreateAsync("dup", Rootfs.SpecJson("true")));
        Assert.Equal(StatusCode.AlreadyExists, duplicate.StatusCode);

        Assert.False(Directory.Exists(Path.Combine(Scratch.Path, "state", "bundles", "bad")));
    }

    [Fact]
    public async Task DestroySandbox_RemovesEveryContainer_AndTheAgentExits()
    {
        uint pid = await CreateAsync("a", Rootfs.SpecJson("sleep", "300"));
        await Client.StartContainerAsync(new StartContainerRequest { ContainerId = "a" }, cancellationToken: Cancel);

        await Client.DestroySandboxAsync(new DestroySandboxRequest(), cancellationToken: Cancel);
        int exitCode = await Agent.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30), Cancel);

        Assert.Equal(0, exitCode);
        Assert.False(File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Contains("sleep", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PauseResumeAndStats_GoThroughTheContainersCgroup()
    {
        uint pid = await CreateAsync("frz", Rootfs.SpecJson("sleep", "300"));
        await Client.StartContainerAsync(new StartContainerRequest { ContainerId = "frz" }, cancellationToken: Cancel);

        await Client.PauseContainerAsync(new PauseContainerRequest { ContainerId = "frz" }, cancellationToken: Cancel);
        string pausedState = await ProcessStateAsync(pid, expectFrozen: true);
        await Client.ResumeContainerAsync(new ResumeContainerRequest { ContainerId = "frz" }, cancellationToken: Cancel);
        string resumedState = await ProcessStateAsync(pid, expectFrozen: false);
        StatsContainerResponse stats = await Client.StatsContainerAsync(new StatsContainerRequest { ContainerId = "frz" }, cancellationToken: Cancel);

        Assert.StartsWith("D", pausedState, StringComparison.Ordinal); // frozen tasks show as D (uninterruptible) on cgroup v1
        Assert.StartsWith("S", resumedState, StringComparison.Ordinal);
        Assert.True(stats.CgroupStats.Pids.Current >= 1, $"pids.current {stats.CgroupStats.Pids.Current}");
        Assert.True(stats.CgroupStats.Memory.Usage > 0);
        await Client.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = "frz" }, cancellationToken: Cancel);
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
            Root = spec.Root! with { Path = Rootfs.Path },
            Process = spec.Process with { Terminal = false, Args = ["sh", "-c", "grep CapAmb /proc/self/status"] },
        };

        await CreateAsync("runcdefaults", Kata.Oci.Spec.SpecSerializer.Serialize(spec));
        await Client.StartContainerAsync(new StartContainerRequest { ContainerId = "runcdefaults" }, cancellationToken: Cancel);

        Assert.Equal("CapAmb:\t0000000000000000\n", await ReadAllStdoutAsync("runcdefaults"));
        Assert.Equal(0, await WaitAsync("runcdefaults"));
    }
}

using Kata.Container.Tests.Infrastructure;
using Kata.Oci.Spec;

namespace Kata.Container.Tests.ProcessSetup;

/// <summary>process.* applied to the container's process, read back from inside it.</summary>
public sealed class ProcessAttributeTests
{
    [Fact]
    public async Task EnvCwdUserGroupsAndUmaskAreApplied()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        var run = await harness.RunAsync("process-identity",
            ["sh", "-c", "echo $GREETING; pwd; id -u; id -g; id -G; umask"],
            spec => spec with
            {
                Process = spec.Process! with
                {
                    Env = [.. spec.Process!.Env!, "GREETING=hello-from-env"],
                    Cwd = "/work",
                    User = new ProcessUser { Uid = 1234, Gid = 2345, AdditionalGids = [5, 6], Umask = 0x3f /* 077 */ },
                },
            },
            prepare: rootfs => Directory.CreateDirectory(Path.Combine(rootfs, "work")));

        Assert.Equal(0, run.ExitStatus);
        Assert.Equal(["hello-from-env", "/work", "1234", "2345", "2345 5 6", "0077"], run.Lines);
    }

    [Fact]
    public async Task CapabilitiesAreDroppedToTheSpecSetsAndNoNewPrivsIsSet()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        var run = await harness.RunAsync("process-caps", ["grep", "-E", "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):", "/proc/self/status"]);

        // CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10): Kata.Oci's default, as runc's.
        const string defaults = "0000000020000420";
        var values = run.Lines.ToDictionary(l => l.Split(':')[0], l => l.Split(':')[1].Trim());
        Assert.Equal(defaults, values["CapEff"]);
        Assert.Equal(defaults, values["CapPrm"]);
        Assert.Equal(defaults, values["CapBnd"]);
        Assert.Equal("0000000000000000", values["CapInh"]);
        Assert.Equal("0000000000000000", values["CapAmb"]);
        Assert.Equal("1", values["NoNewPrivs"]);
    }

    [Fact]
    public async Task AmbientCapabilitiesReachANonRootProcess()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        string[] kill = ["CAP_KILL"];
        var run = await harness.RunAsync("process-ambient", ["grep", "-E", "^(CapEff|CapAmb):", "/proc/self/status"],
            spec => spec with
            {
                Process = spec.Process! with
                {
                    User = new ProcessUser { Uid = 1000, Gid = 1000 },
                    Capabilities = new LinuxCapabilities { Bounding = kill, Effective = kill, Permitted = kill, Inheritable = kill, Ambient = kill },
                },
            });

        Assert.Equal(["CapEff:\t0000000000000020", "CapAmb:\t0000000000000020"], run.Lines);
    }

    [Fact]
    public async Task RlimitsAndOomScoreAdjAreApplied()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        var run = await harness.RunAsync("process-rlimits", ["sh", "-c", "ulimit -n; ulimit -Hn; cat /proc/self/oom_score_adj"],
            spec => spec with
            {
                Process = spec.Process! with
                {
                    Rlimits = [new PosixRlimit { Type = "RLIMIT_NOFILE", Soft = 321, Hard = 654 }],
                    OomScoreAdj = 123,
                },
            });

        Assert.Equal(["321", "654", "123"], run.Lines);
    }

    [Fact]
    public async Task SignalDispositionsAreDefaultInTheContainerProcess()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        var run = await harness.RunAsync("process-signals", ["grep", "-E", "^(SigIgn|SigBlk):", "/proc/self/status"]);

        // The .NET stage ignores SIGPIPE; that must not leak into the container (SIG_IGN survives execve).
        Assert.Equal(["SigBlk:\t0000000000000000", "SigIgn:\t0000000000000000"], run.Lines);
    }

    [Fact]
    public async Task OnlyStdioReachesTheContainerProcess()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        var run = await harness.RunAsync("process-fds", ["ls", "/proc/self/fd"]);

        // 0, 1, 2 and the directory descriptor ls itself opens; nothing of the engine or the stage.
        Assert.Equal(4, run.Lines.Length);
        Assert.Equal(["0", "1", "2"], run.Lines.Take(3));
    }
}

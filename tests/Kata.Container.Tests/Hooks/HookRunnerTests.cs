using Kata.Container.Hooks;
using Kata.Container.Tests.Infrastructure;
using Kata.Oci.Spec;
using Kata.Oci.State;
using Serilog;

namespace Kata.Container.Tests.Hooks;

/// <summary>One hook as config.md "POSIX-platform Hooks" defines it, on real processes (no root needed).</summary>
public sealed class HookRunnerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kata-hook-runner-").FullName;

    private static readonly ContainerState State = new()
    {
        Id = "runner",
        Status = ContainerStatus.Created,
        Pid = 4242,
        Bundle = "/run/bundles/runner",
        Annotations = new Dictionary<string, string> { ["a"] = "b c" },
    };

    [Fact]
    public void HookGetsTheStateOnStdinItsArgsAndExactlyItsEnvironment()
    {
        var output = Path.Combine(_directory, "out");
        var hook = new Hook
        {
            Path = "/bin/sh",
            Args = ["sh", "-c", $"cat > {output}.state; echo \"$0|$1|$ZZ_HOOK|${{HOME-unset}}\" > {output}", "zero", "one"],
            Env = ["PATH=/usr/bin:/bin", "ZZ_HOOK=yes"],
        };

        HookRunner.RunAll(new Oci.Spec.Hooks { CreateRuntime = [hook] }, HookPhase.CreateRuntime, State);

        Assert.Equal(State, StateSerializer.Parse(File.ReadAllText(output + ".state"), "stdin") with { Annotations = State.Annotations });
        Assert.Equal("b c", StateSerializer.Parse(File.ReadAllText(output + ".state"), "stdin").Annotations!["a"]);
        // HOME is set for the test process, but a hook's environment is only its env.
        Assert.Equal("zero|one|yes|unset", File.ReadAllText(output).Trim());
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void WithoutArgsTheHookGetsItsPathAsArgv0()
    {
        var script = Path.Combine(_directory, "argv0.sh");
        File.WriteAllText(script, $"#!/bin/sh\necho \"$0 $#\" > {script}.out\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        HookRunner.Run(new Hook { Path = script }, HookPhase.Poststop, 0, StateSerializer.SerializeToUtf8Bytes(State));

        Assert.Equal($"{script} 0", File.ReadAllText(script + ".out").Trim());
    }

    [Fact]
    public void NonZeroExitAndSignalAreFailuresNamingTheHookWithItsOutput()
    {
        var stdin = StateSerializer.SerializeToUtf8Bytes(State);

        var exited = Assert.Throws<HookFailedException>(() => HookRunner.Run(HookLog.Failing(5, "out-of-cheese"), HookPhase.Prestart, 2, stdin));
        var killed = Assert.Throws<HookFailedException>(() => HookRunner.Run(
            new Hook { Path = "/bin/sh", Args = ["sh", "-c", "echo to-stderr >&2; kill -TERM $$"] }, HookPhase.CreateRuntime, 0, stdin));

        Assert.Equal("hooks.prestart[2] (/bin/sh): failed: exit status 5; its output: out-of-cheese", exited.Message);
        Assert.Equal("hooks.createRuntime[0] (/bin/sh): failed: killed by signal 15; its output: to-stderr", killed.Message);
    }

    [Fact]
    public void MissingExecutableIsAClearFailure()
    {
        var error = Assert.Throws<HookFailedException>(() => HookRunner.Run(
            new Hook { Path = "/no/such/hook" }, HookPhase.CreateContainer, 1, StateSerializer.SerializeToUtf8Bytes(State)));

        Assert.StartsWith("hooks.createContainer[1] (/no/such/hook): could not be started: posix_spawn /no/such/hook failed", error.Message);
    }

    [Fact]
    public async Task TimeoutKillsTheHookAndWhatItStarted()
    {
        var hook = new Hook { Path = "/bin/sh", Args = ["sh", "-c", "sleep 43 & sleep 44; echo never"], Env = ["PATH=/usr/bin:/bin"], Timeout = 1 };

        var error = Assert.Throws<HookFailedException>(() => HookRunner.Run(hook, HookPhase.CreateRuntime, 0, StateSerializer.SerializeToUtf8Bytes(State)));

        Assert.Equal("hooks.createRuntime[0] (/bin/sh): did not finish within its timeout of 1 s and was killed", error.Message);
        Assert.Empty(await Leftovers.ProcessesGoneAsync("sleep", "43"));
        Assert.Empty(await Leftovers.ProcessesGoneAsync("sleep", "44"));
    }

    [Fact]
    public void WarningPhasesRunEveryHookAndReturnTheFailures()
    {
        var marker = Path.Combine(_directory, "second-ran");
        var hooks = new Oci.Spec.Hooks
        {
            Poststop = [HookLog.Failing(9, "first"), new Hook { Path = "/bin/sh", Args = ["sh", "-c", $"echo > {marker}"] }],
        };

        var failures = HookRunner.RunAllWarnOnFailure(hooks, HookPhase.Poststop, State, new LoggerConfiguration().CreateLogger());

        Assert.Equal("hooks.poststop[0] (/bin/sh): failed: exit status 9; its output: first", Assert.Single(failures).Message);
        Assert.True(File.Exists(marker));
    }

    [Fact]
    public void PhasesHaveTheirConfigNamesAndTimeAllowedAddsTimeouts()
    {
        Assert.Equal(["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
            Enum.GetValues<HookPhase>().Select(phase => phase.SpecName()));
        var hooks = new Oci.Spec.Hooks { StartContainer = [new Hook { Path = "/a", Timeout = 3 }, new Hook { Path = "/b" }, new Hook { Path = "/c", Timeout = 4 }] };
        Assert.Equal(TimeSpan.FromSeconds(7), hooks.TimeAllowed(HookPhase.StartContainer));
        Assert.Equal(TimeSpan.Zero, hooks.TimeAllowed(HookPhase.Poststop));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

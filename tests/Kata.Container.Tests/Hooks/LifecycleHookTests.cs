using Kata.Container.Hooks;
using Kata.Container.Lifecycle;
using Kata.Container.Tests.Infrastructure;
using Kata.Oci.Spec;
using Kata.Oci.State;
using OciHooks = Kata.Oci.Spec.Hooks;

namespace Kata.Container.Tests.Hooks;

/// <summary>The six OCI hooks on real containers: order, namespaces, state on stdin, timeouts and failure rules
/// (runtime.md "Lifecycle", config.md "POSIX-platform Hooks").</summary>
public sealed class LifecycleHookTests
{
    [Fact]
    public async Task AllSixHooksRunInOrderInTheirNamespacesWithTheStateOfTheirStep()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        using var log = new HookLog();
        using var bundle = new BusyboxBundle(["true"], spec => spec with
        {
            Mounts = [.. spec.Mounts!, log.Mount],
            Annotations = new Dictionary<string, string> { ["org.example.purpose"] = "hook-test" },
            Hooks = new OciHooks
            {
                Prestart = [log.HostRecorder("prestart")],
                CreateRuntime = [log.HostRecorder("createRuntime")],
                CreateContainer = [log.HostRecorder("createContainer")],
                StartContainer = [HookLog.ContainerRecorder("startContainer")],
                Poststart = [log.HostRecorder("poststart")],
                Poststop = [log.HostRecorder("poststop")],
            },
        });

        var container = harness.Engine.Create("hooks-all", bundle.Directory);
        var containerMountNamespace = new FileInfo($"/proc/{container.Pid}/ns/mnt").LinkTarget;
        var pid = container.Pid;
        Assert.Equal(["prestart", "createRuntime", "createContainer"], log.Read().Select(e => e.Name));
        harness.Engine.Start("hooks-all");
        Assert.Equal(0, await harness.Engine.WaitAsync("hooks-all", TestContext.Current.CancellationToken));
        harness.Engine.Delete("hooks-all");

        var entries = log.Read();
        Assert.Equal(["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"], entries.Select(e => e.Name));
        Assert.Equal(
            [ContainerStatus.Creating, ContainerStatus.Creating, ContainerStatus.Creating, ContainerStatus.Created, ContainerStatus.Running, ContainerStatus.Stopped],
            entries.Select(e => e.State.Status));
        foreach (var entry in entries)
        {
            Assert.Equal(SpecValidator.ImplementedVersion, entry.State.OciVersion);
            Assert.Equal("hooks-all", entry.State.Id);
            Assert.Equal(bundle.Directory, entry.State.Bundle);
            Assert.Equal("hook-test", Assert.Contains("org.example.purpose", entry.State.Annotations!));
            Assert.Equal(entry.Name == "poststop" ? 0 : pid, entry.State.Pid);
        }

        // Runtime-namespace hooks run where the engine runs; createContainer and startContainer in the container.
        var engineMountNamespace = new FileInfo("/proc/self/ns/mnt").LinkTarget;
        foreach (var name in new[] { "prestart", "createRuntime", "poststart", "poststop" })
        {
            Assert.Equal(engineMountNamespace, entries.Single(e => e.Name == name).MountNamespace);
        }
        Assert.Equal(containerMountNamespace, entries.Single(e => e.Name == "createContainer").MountNamespace);
        Assert.Equal(containerMountNamespace, entries.Single(e => e.Name == "startContainer").MountNamespace);
    }

    [Fact]
    public async Task HookTimeoutFailsCreateNamingTheHookAndLeavesNothingBehind()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        using var log = new HookLog();
        using var bundle = new BusyboxBundle(["true"], spec => spec with
        {
            Hooks = new OciHooks
            {
                CreateRuntime = [new Hook { Path = "/bin/sleep", Args = ["sleep", "41"], Timeout = 1 }],
                Poststop = [log.HostRecorder("poststop")],
            },
        });

        var error = Assert.Throws<HookFailedException>(() => harness.Engine.Create("hooks-timeout", bundle.Directory));

        Assert.Equal("container hooks-timeout: create failed: hooks.createRuntime[0] (/bin/sleep): did not finish within its timeout "
            + "of 1 s and was killed", error.Message);
        Assert.Empty(harness.Engine.List());
        Assert.Empty(Directory.GetFileSystemEntries(harness.StateRoot));
        Assert.Empty(Leftovers.CgroupDirectories("hooks-timeout"));
        Assert.Empty(await Leftovers.ProcessesGoneAsync("sleep", "41"));
        Assert.DoesNotContain(bundle.Directory, File.ReadAllText("/proc/self/mountinfo"));
        // The failed create continues at delete (runtime.md "Lifecycle" step 12): poststop still runs.
        Assert.Equal(ContainerStatus.Stopped, Assert.Single(log.Read()).State.Status);
    }

    [Fact]
    public void FailingCreateContainerHookInTheStageFailsCreateWithItsStatusAndOutput()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        using var bundle = new BusyboxBundle(["true"], spec => spec with
        {
            Hooks = new OciHooks { CreateContainer = [HookLog.Failing(3, "no-network-for-you")] },
        });

        var error = Assert.Throws<HookFailedException>(() => harness.Engine.Create("hooks-create-fail", bundle.Directory));

        Assert.Equal("container hooks-create-fail: create failed: hooks.createContainer[0] (/bin/sh): failed: exit status 3; "
            + "its output: no-network-for-you", error.Message);
        Assert.Empty(harness.Engine.List());
        Assert.Empty(Directory.GetFileSystemEntries(harness.StateRoot));
        Assert.Empty(Leftovers.CgroupDirectories("hooks-create-fail"));
        Assert.DoesNotContain(bundle.Directory, File.ReadAllText("/proc/self/mountinfo"));
    }

    [Fact]
    public async Task FailingStartContainerHookFailsStartAndTheContainerStops()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        using var bundle = new BusyboxBundle(["true"], spec => spec with
        {
            Hooks = new OciHooks { StartContainer = [new Hook { Path = "/bin/false" }] },
        });
        var container = harness.Engine.Create("hooks-start-fail", bundle.Directory);

        var error = Assert.Throws<HookFailedException>(() => harness.Engine.Start("hooks-start-fail"));

        Assert.Contains("hooks.startContainer[0] (/bin/false): failed: exit status 1", error.Message);
        Assert.NotEqual(0, await harness.Engine.WaitAsync("hooks-start-fail", TestContext.Current.CancellationToken));
        Assert.Equal(ContainerStatus.Stopped, container.Status);
        harness.Engine.Delete("hooks-start-fail");
    }

    [Fact]
    public async Task FailingPoststartAndPoststopHooksAreOnlyWarningsAndTheRestStillRun()
    {
        RootOnly.Require();
        using var harness = new EngineHarness();
        using var log = new HookLog();
        using var bundle = new BusyboxBundle(["true"], spec => spec with
        {
            Hooks = new OciHooks
            {
                Poststart = [HookLog.Failing(1, "poststart-broke"), log.HostRecorder("poststart")],
                Poststop = [HookLog.Failing(2, "poststop-broke"), log.HostRecorder("poststop")],
            },
        });

        harness.Engine.Create("hooks-warn", bundle.Directory);
        harness.Engine.Start("hooks-warn");
        Assert.Equal(0, await harness.Engine.WaitAsync("hooks-warn", TestContext.Current.CancellationToken));
        harness.Engine.Delete("hooks-warn");

        Assert.Equal(["poststart", "poststop"], log.Read().Select(e => e.Name));
        Assert.Throws<ContainerNotFoundException>(() => harness.Engine.Get("hooks-warn"));
        Assert.Empty(Directory.GetFileSystemEntries(harness.StateRoot));
    }
}

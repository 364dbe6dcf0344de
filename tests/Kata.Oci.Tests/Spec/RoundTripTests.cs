using System.Text.Json.Nodes;
using Kata.Oci.Spec;
using Kata.Oci.Tests.Infrastructure;

namespace Kata.Oci.Tests.Spec;

public sealed class RoundTripTests
{
    [Fact]
    public void RuncSpecOutput_RoundTripsWithoutLosingAnything()
    {
        var original = RuncSpec.Generate();

        var spec = SpecLoader.Parse(original, "runc-config.json");
        var written = SpecSerializer.Serialize(spec);

        AssertSameJson(original, written);
        Assert.Equal(["sh"], spec.Process!.Args);
        Assert.True(spec.Process.Terminal);
        Assert.Equal("rootfs", spec.Root!.Path);
        Assert.Contains(spec.Linux!.Namespaces!, ns => ns.Type == NamespaceType.Mount);
    }

    [Fact]
    public void RuncSpecOutput_IsWhatDefaultSpecWrites_ExceptTheDocumentedDifferences()
    {
        var runc = JsonNode.Parse(RuncSpec.Generate())!.AsObject();
        var ours = JsonNode.Parse(DefaultSpec.CreateJson())!.AsObject();

        // DefaultSpec's documented differences: our version and hostname, the cgroup namespace always, powercap masked.
        // runc 1.1 (this host) still sets the ambient set, which runc 1.2 dropped.
        runc["ociVersion"] = SpecValidator.ImplementedVersion;
        runc["hostname"] = DefaultSpec.DefaultHostname;
        runc["process"]!["capabilities"]!.AsObject().Remove("ambient");
        runc["linux"]!["namespaces"]!.AsArray().Remove(runc["linux"]!["namespaces"]!.AsArray()
            .FirstOrDefault(ns => (string?)ns!["type"] == "cgroup"));
        runc["linux"]!["namespaces"]!.AsArray().Add(new JsonObject { ["type"] = "cgroup" });
        var masked = runc["linux"]!["maskedPaths"]!.AsArray();
        foreach (var extra in new[] { "/sys/devices/virtual/powercap", "/sys/devices/virtual/tpm" })
        {
            if (!masked.Any(p => (string?)p == extra) && DefaultSpec.DefaultMaskedPaths.Contains(extra))
            {
                masked.Add(extra);
            }
        }

        Assert.True(JsonNode.DeepEquals(runc, ours), $"runc:\n{runc}\nours:\n{ours}");
    }

    [Fact]
    public void RichConfig_RoundTripsEveryMember()
    {
        var spec = SpecLoader.Parse(SampleConfigs.Rich, "rich.json");
        var written = SpecSerializer.Serialize(spec);

        AssertSameJson(SampleConfigs.Rich, written);
        AssertSameJson(written, SpecSerializer.Serialize(SpecLoader.Parse(written, "again.json")));
    }

    [Fact]
    public void RichConfig_ValuesLandInTheModel()
    {
        var spec = SpecLoader.Parse(SampleConfigs.Rich, "rich.json");
        var process = spec.Process!;
        var linux = spec.Linux!;

        Assert.Equal(new ConsoleSize { Height = 25, Width = 80 }, process.ConsoleSize);
        Assert.Equal(1000u, process.User.Uid);
        Assert.Equal(18u, process.User.Umask);
        Assert.Equal([5u, 6u], process.User.AdditionalGids);
        Assert.Equal(ulong.MaxValue, process.Rlimits![1].Hard);
        Assert.Equal(-500, process.OomScoreAdj);
        Assert.Equal(SchedulerPolicy.Deadline, process.Scheduler!.Policy);
        Assert.Equal([SchedulerFlag.ResetOnFork, SchedulerFlag.UtilClampMax], process.Scheduler.Flags);
        Assert.Equal(IoPriorityClass.BestEffort, process.IoPriority!.Class);
        Assert.Equal(5, spec.Hooks!.Prestart![0].Timeout);
        Assert.Equal("/usr/bin/poststop", spec.Hooks.Poststop![0].Path);
        Assert.Equal(100000u, spec.Mounts![1].UidMappings![0].HostId);
        Assert.Equal(536870912L, linux.Resources!.Memory!.Limit);
        Assert.Equal(1048576L, linux.Resources.Memory.KernelTcp);
        Assert.True(linux.Resources.Memory.DisableOomKiller);
        Assert.Equal(10000ul, linux.Resources.Cpu!.Burst);
        Assert.Equal(128, linux.Resources.Pids!.Limit);
        Assert.Equal(100ul, linux.Resources.BlockIo!.ThrottleReadIopsDevice![0].Rate);
        Assert.Equal((ushort)200, linux.Resources.BlockIo.WeightDevice![0].LeafWeight);
        Assert.Equal(1048577u, linux.Resources.Network!.ClassId);
        Assert.Equal(3u, linux.Resources.Rdma!["mlx5_1"].HcaHandles);
        Assert.Equal("400M", linux.Resources.Unified!["memory.high"]);
        Assert.Equal(NamespaceType.Time, linux.Namespaces![7].Type);
        Assert.Equal("/var/run/netns/box", linux.Namespaces[1].Path);
        Assert.Equal(438u, linux.Devices![0].FileMode);
        Assert.Equal(SeccompAction.Errno, linux.Seccomp!.DefaultAction);
        Assert.Equal(38u, linux.Seccomp.DefaultErrnoRet);
        Assert.Equal([SeccompArch.X86_64, SeccompArch.X86, SeccompArch.X32], linux.Seccomp.Architectures);
        Assert.Equal([SeccompFlag.Log, SeccompFlag.SpecAllow], linux.Seccomp.Flags);
        Assert.Equal(SeccompOperator.MaskedEqual, linux.Seccomp.Syscalls![5].Args![0].Op);
        Assert.Equal(7ul, linux.Seccomp.Syscalls[5].Args![0].ValueTwo);
        Assert.Equal(SeccompAction.Notify, linux.Seccomp.Syscalls[3].Action);
        Assert.Equal("guaranteed", linux.IntelRdt!.ClosId);
        Assert.True(linux.IntelRdt.EnableMbm);
        Assert.Equal(PersonalityDomain.Linux32, linux.Personality!.Domain);
        Assert.Equal(-60, linux.TimeOffsets!["boottime"].Secs);
        Assert.Equal("hello <world> & more", spec.Annotations!["org.example.note"]);
    }

    [Fact]
    public void UnknownMembers_AreIgnoredEverywhere()
    {
        var json = SpecJson.Default();
        json["vendorExtension"] = new JsonObject { ["anything"] = new JsonArray(1, 2, 3) };
        json.Process()["futureField"] = "x";
        json.Linux()["windowsOnly"] = true;
        json.Linux()["namespaces"]![0]!["extra"] = 42;
        json["solaris"] = new JsonObject { ["milestone"] = "svc:/milestone/container:default" };

        var spec = SpecLoader.Parse(json.ToJsonString(), SpecJson.Source);

        AssertSameJson(DefaultSpec.CreateJson(), SpecSerializer.Serialize(spec));
    }

    [Fact]
    public void Serialize_LeavesOutWhatIsUnset_AndIndentsWithTabsLikeRunc()
    {
        var json = SpecSerializer.Serialize(new RuntimeSpec
        {
            OciVersion = "1.2.0",
            Root = new Root { Path = "rootfs" },
            Process = new ProcessSpec { Args = ["true"], Cwd = "/" },
        });

        Assert.Equal(
            "{\n\t\"ociVersion\": \"1.2.0\",\n\t\"process\": {\n\t\t\"user\": {\n\t\t\t\"uid\": 0,\n\t\t\t\"gid\": 0\n\t\t},\n" +
            "\t\t\"args\": [\n\t\t\t\"true\"\n\t\t],\n\t\t\"cwd\": \"/\"\n\t},\n\t\"root\": {\n\t\t\"path\": \"rootfs\"\n\t}\n}",
            json.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void DefaultSpec_IsValidAndHasWhatRuncSpecHas()
    {
        var spec = DefaultSpec.Create();

        Assert.Empty(SpecValidator.Validate(spec));
        Assert.Equal(["sh"], spec.Process!.Args);
        Assert.True(spec.Process.Terminal);
        Assert.Equal(DefaultSpec.DefaultCapabilities, spec.Process.Capabilities!.Bounding);
        Assert.Equal(new PosixRlimit { Type = "RLIMIT_NOFILE", Hard = 1024, Soft = 1024 }, Assert.Single(spec.Process.Rlimits!));
        Assert.Equal(["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"],
            spec.Mounts!.Select(m => m.Destination));
        Assert.Equal([NamespaceType.Pid, NamespaceType.Network, NamespaceType.Ipc, NamespaceType.Uts, NamespaceType.Mount, NamespaceType.Cgroup],
            spec.Linux!.Namespaces!.Select(ns => ns.Type));
        Assert.Contains("/proc/kcore", spec.Linux.MaskedPaths!);
        Assert.Contains("/proc/sys", spec.Linux.ReadonlyPaths!);
    }

    [Fact]
    public void DefaultSpec_WithOtherArgs_AndNoTerminal()
    {
        var spec = SpecLoader.Parse(DefaultSpec.CreateJson(["/bin/true"], terminal: false), SpecJson.Source);

        Assert.Equal(["/bin/true"], spec.Process!.Args);
        Assert.False(spec.Process.Terminal);
        Assert.DoesNotContain("terminal", DefaultSpec.CreateJson(["/bin/true"], terminal: false));
    }

    [Fact]
    public void WriteToBundle_ThenLoad_GivesTheSameSpec()
    {
        using var bundle = new TempDirectory();
        SpecSerializer.WriteToBundle(bundle.Path, DefaultSpec.Create());

        var loaded = SpecLoader.Load(bundle.Path);

        AssertSameJson(DefaultSpec.CreateJson(), SpecSerializer.Serialize(loaded));
        Assert.Equal(Path.Combine(bundle.Path, "rootfs"), loaded.Root!.ResolvePath(bundle.Path));
        Assert.Equal("/abs/rootfs", (loaded.Root with { Path = "/abs/rootfs" }).ResolvePath(bundle.Path));
    }

    [Fact]
    public void ParseProcess_ReadsALoneProcessAsExecTakesIt()
    {
        var process = SpecLoader.ParseProcess("""{"args": ["ps"], "cwd": "/", "env": ["A=b"], "user": {"uid": 7, "gid": 8}}""", "process.json");

        Assert.Equal(["ps"], process.Args);
        Assert.Equal(7u, process.User.Uid);
        var roundTrip = SpecLoader.ParseProcess(SpecSerializer.Serialize(process), "process.json");
        Assert.Equal(process.Args, roundTrip.Args);

        var error = Assert.Throws<SpecValidationException>(() => SpecLoader.ParseProcess("""{"cwd": "/"}""", "process.json"));
        Assert.Equal("process.json: args: must not be empty", error.Message);
    }

    private static void AssertSameJson(string expected, string actual)
    {
        var expectedNode = JsonNode.Parse(expected);
        var actualNode = JsonNode.Parse(actual);
        Assert.True(JsonNode.DeepEquals(expectedNode, actualNode), $"expected:\n{expectedNode}\nactual:\n{actualNode}");
    }
}

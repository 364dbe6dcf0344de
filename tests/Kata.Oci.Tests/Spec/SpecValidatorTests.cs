using System.Text.Json.Nodes;
using Kata.Oci.Spec;
using Kata.Oci.Tests.Infrastructure;

namespace Kata.Oci.Tests.Spec;

/// <summary>Each semantic rule, broken on purpose in an otherwise valid (default) configuration.</summary>
public sealed class SpecValidatorTests
{
    private static JsonObject Spec(Action<JsonObject> change)
    {
        var json = SpecJson.Default();
        change(json);
        return json;
    }

    private static JsonArray Namespaces(JsonObject json) => json.Linux()["namespaces"]!.AsArray();

    [Fact]
    public void Version_IsRequired_SemVer_AndMajorOne()
    {
        SpecJson.FailsWithOnly(Spec(j => j.Remove("ociVersion")), "ociVersion", "is required");
        SpecJson.FailsWithOnly(Spec(j => j["ociVersion"] = "1.2"), "ociVersion", "\"1.2\" is not a SemVer version (like \"1.2.0\")");
        SpecJson.FailsWithOnly(Spec(j => j["ociVersion"] = "2.0.0"), "ociVersion",
            "version \"2.0.0\" is not supported: this runtime implements runtime-spec 1.2.0 and accepts 1.x");
        SpecJson.FailsWithOnly(Spec(j => j["ociVersion"] = "0.9.0"), "ociVersion",
            "version \"0.9.0\" is not supported: this runtime implements runtime-spec 1.2.0 and accepts 1.x");

        foreach (var accepted in new[] { "1.0.0", "1.0.2-dev", "1.1.0+dev", "1.3.7" })
        {
            SpecLoader.Parse(Spec(j => j["ociVersion"] = accepted).ToJsonString(), SpecJson.Source);
        }
    }

    [Fact]
    public void Root_IsRequired_WithAPath()
    {
        SpecJson.FailsWithOnly(Spec(j => j.Remove("root")), "root", "is required");
        SpecJson.FailsWithOnly(Spec(j => j["root"] = new JsonObject { ["readonly"] = true }), "root.path", "must not be empty");
    }

    [Fact]
    public void Process_IsRequired_WithArgsAndAnAbsoluteCwd()
    {
        SpecJson.FailsWithOnly(Spec(j => j.Remove("process")), "process", "is required");
        SpecJson.FailsWithOnly(Spec(j => j.Process().Remove("args")), "process.args", "must not be empty");
        SpecJson.FailsWithOnly(Spec(j => j.Process()["args"] = new JsonArray()), "process.args", "must not be empty");
        SpecJson.FailsWithOnly(Spec(j => j.Process()["args"] = new JsonArray("", "x")), "process.args[0]",
            "must not be empty (it is the program to run)");
        SpecJson.FailsWithOnly(Spec(j => j.Process().Remove("cwd")), "process.cwd", "must not be empty");
        SpecJson.FailsWithOnly(Spec(j => j.Process()["cwd"] = "home"), "process.cwd", "must be an absolute path, got \"home\"");
    }

    [Fact]
    public void Env_EntriesAreKeyEqualsValue()
    {
        var error = SpecJson.Fails(Spec(j => j.Process()["env"] = new JsonArray("A=1", "FOO", "=x", "B=")));

        Assert.Equal(
            [
                new SpecProblem("process.env[1]", "expected KEY=value, got \"FOO\""),
                new SpecProblem("process.env[2]", "expected KEY=value, got \"=x\""),
            ],
            error.Problems);
    }

    [Fact]
    public void Umask_OomScoreAdj_IoPriority_Ranges()
    {
        SpecJson.FailsWithOnly(Spec(j => j.Process()["user"]!["umask"] = 512), "process.user.umask",
            "must be at most 511 (0777 octal), got 512");
        SpecJson.FailsWithOnly(Spec(j => j.Process()["oomScoreAdj"] = 2000), "process.oomScoreAdj",
            "must be between -1000 and 1000, got 2000");
        SpecJson.FailsWithOnly(Spec(j => j.Process()["ioPriority"] = JsonNode.Parse("""{"class": "IOPRIO_CLASS_RT", "priority": 8}""")),
            "process.ioPriority.priority", "must be between 0 and 7, got 8");
    }

    [Fact]
    public void Scheduler_PrioritiesAndDeadlineParameters()
    {
        SpecJson.FailsWithOnly(Spec(j => j.Process()["scheduler"] = JsonNode.Parse("""{"policy": "SCHED_FIFO"}""")),
            "process.scheduler.priority", "must be between 1 and 99 for SCHED_FIFO, got 0");
        SpecJson.FailsWithOnly(Spec(j => j.Process()["scheduler"] = JsonNode.Parse("""{"policy": "SCHED_OTHER", "priority": 5, "nice": -10}""")),
            "process.scheduler.priority", "must be 0 for SCHED_OTHER, got 5");
        SpecJson.FailsWithOnly(Spec(j => j.Process()["scheduler"] = JsonNode.Parse("""{"policy": "SCHED_BATCH", "nice": 20}""")),
            "process.scheduler.nice", "must be between -20 and 19, got 20");
        SpecJson.FailsWithOnly(Spec(j => j.Process()["scheduler"] = JsonNode.Parse("""{"policy": "SCHED_DEADLINE"}""")),
            "process.scheduler.runtime", "must be greater than zero for SCHED_DEADLINE");
        SpecJson.FailsWithOnly(Spec(j => j.Process()["scheduler"] = JsonNode.Parse("""{"policy": "SCHED_DEADLINE", "runtime": 10, "deadline": 5}""")),
            "process.scheduler.deadline", "must be at least the runtime (10), got 5");
        SpecJson.FailsWithOnly(Spec(j => j.Process()["scheduler"] = JsonNode.Parse("""{"policy": "SCHED_DEADLINE", "runtime": 10, "deadline": 20, "period": 15}""")),
            "process.scheduler.period", "must be at least the deadline (20), got 15");
        SpecJson.FailsWithOnly(Spec(j => j.Process()["scheduler"] = JsonNode.Parse("""{"policy": "SCHED_SOMETIMES"}""")),
            "process.scheduler.policy",
            "unknown scheduler policy \"SCHED_SOMETIMES\" (expected one of: SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_ISO, SCHED_IDLE, SCHED_DEADLINE)");
    }

    [Fact]
    public void Capabilities_MustBeKnownToLinux612()
    {
        SpecJson.FailsWithOnly(Spec(j => j.Process()["capabilities"]!["bounding"] = new JsonArray("CAP_KILL", "CAP_FOO")),
            "process.capabilities.bounding[1]", "unknown capability \"CAP_FOO\"");
        SpecJson.FailsWithOnly(Spec(j => j.Process()["capabilities"]!["ambient"] = new JsonArray("cap_kill")),
            "process.capabilities.ambient[0]", "unknown capability \"cap_kill\"");
        SpecJson.FailsWithOnly(Spec(j => j.Process()["capabilities"]!["inheritable"] = new JsonArray("CAP_BPF", "KILL")),
            "process.capabilities.inheritable[1]", "unknown capability \"KILL\"");

        var all = new JsonArray(KnownCapabilities.Numbers.Keys.Select(k => (JsonNode)k).ToArray());
        SpecLoader.Parse(Spec(j => j.Process()["capabilities"]!["permitted"] = all).ToJsonString(), SpecJson.Source);
        Assert.Equal(41, KnownCapabilities.Numbers.Count);
        Assert.Equal(40, KnownCapabilities.Numbers["CAP_CHECKPOINT_RESTORE"]);
        Assert.Equal(21, KnownCapabilities.Numbers["CAP_SYS_ADMIN"]);
    }

    [Fact]
    public void Rlimits_KnownTypes_NoDuplicates_SoftNotAboveHard()
    {
        SpecJson.FailsWithOnly(Spec(j => j.Process()["rlimits"]![0]!["type"] = "RLIMIT_FOO"),
            "process.rlimits[0].type", "unknown rlimit type \"RLIMIT_FOO\"");
        SpecJson.FailsWithOnly(Spec(j => j.Process()["rlimits"]!.AsArray().Add(JsonNode.Parse("""{"type": "RLIMIT_NOFILE", "hard": 5, "soft": 5}"""))),
            "process.rlimits[1].type", "duplicate rlimit type \"RLIMIT_NOFILE\" (also at process.rlimits[0])");
        SpecJson.FailsWithOnly(Spec(j => j.Process()["rlimits"]![0]!["soft"] = 2048),
            "process.rlimits[0]", "soft limit 2048 is greater than hard limit 1024");
        Assert.Equal(7, KnownRlimits.Numbers["RLIMIT_NOFILE"]);
        Assert.Equal(16, KnownRlimits.Numbers.Count);
    }

    [Fact]
    public void Mounts_DestinationAbsolute_NoDotDot_BothIdMaps()
    {
        SpecJson.FailsWithOnly(Spec(j => j["mounts"]![0]!["destination"] = "proc"),
            "mounts[0].destination", "must be an absolute path, got \"proc\"");
        SpecJson.FailsWithOnly(Spec(j => j["mounts"]![3]!["destination"] = "/dev/../../etc"),
            "mounts[3].destination", "must not contain \"..\", got \"/dev/../../etc\"");
        SpecJson.FailsWithOnly(Spec(j => j["mounts"]!.AsArray().Add(JsonNode.Parse("""{"destination": "/data", "type": "none", "options": ["rbind"]}"""))),
            "mounts[7].source", "a bind mount needs a source");
        SpecJson.FailsWithOnly(Spec(j => j["mounts"]!.AsArray().Add(JsonNode.Parse("""{"destination": "/data", "type": "bind", "source": ""}"""))),
            "mounts[7].source", "a bind mount needs a source");
        SpecJson.FailsWithOnly(Spec(j => j["mounts"]![1]!.AsObject().Remove("destination")),
            "mounts[1].destination", "must not be empty");
        SpecJson.FailsWithOnly(Spec(j => j["mounts"]![0]!["uidMappings"] = JsonNode.Parse("""[{"containerID": 0, "hostID": 1000, "size": 1}]""")),
            "mounts[0]", "an id-mapped mount needs both uidMappings and gidMappings");
        SpecJson.FailsWithOnly(Spec(j =>
            {
                j["mounts"]![0]!["uidMappings"] = JsonNode.Parse("""[{"containerID": 0, "hostID": 1000, "size": 1}]""");
                j["mounts"]![0]!["gidMappings"] = JsonNode.Parse("""[{"containerID": 0, "hostID": 1000, "size": 0}]""");
            }),
            "mounts[0].gidMappings[0].size", "must be at least 1");
    }

    [Fact]
    public void Hooks_AbsolutePath_PositiveTimeout()
    {
        SpecJson.FailsWithOnly(Spec(j => j["hooks"] = JsonNode.Parse("""{"prestart": [{"path": "hook.sh"}]}""")),
            "hooks.prestart[0].path", "must be an absolute path, got \"hook.sh\"");
        SpecJson.FailsWithOnly(Spec(j => j["hooks"] = JsonNode.Parse("""{"createRuntime": [{"path": "/bin/true"}, {"args": ["x"]}]}""")),
            "hooks.createRuntime[1].path", "must not be empty");
        SpecJson.FailsWithOnly(Spec(j => j["hooks"] = JsonNode.Parse("""{"poststop": [{"path": "/bin/true", "timeout": 0}]}""")),
            "hooks.poststop[0].timeout", "must be greater than zero, got 0");
        SpecJson.FailsWithOnly(Spec(j => j["hooks"] = JsonNode.Parse("""{"startContainer": [{"path": "/bin/true", "env": ["NOPE"]}]}""")),
            "hooks.startContainer[0].env[0]", "expected KEY=value, got \"NOPE\"");
    }

    [Fact]
    public void Namespaces_NoDuplicates_AbsolutePaths()
    {
        SpecJson.FailsWithOnly(Spec(j => Namespaces(j).Add(new JsonObject { ["type"] = "pid" })),
            "linux.namespaces[6].type", "duplicate namespace type \"pid\" (also at linux.namespaces[0])");
        SpecJson.FailsWithOnly(Spec(j => Namespaces(j)[1]!["path"] = "run/netns/x"),
            "linux.namespaces[1].path", "must be an absolute path, got \"run/netns/x\"");
        SpecLoader.Parse(Spec(j => Namespaces(j)[1]!["path"] = "/run/netns/x").ToJsonString(), SpecJson.Source);
    }

    [Fact]
    public void Hostname_NeedsItsOwnUtsNamespace()
    {
        SpecJson.FailsWithOnly(Spec(j => Namespaces(j).RemoveAt(3)),
            "hostname", "needs a new uts namespace (add {\"type\": \"uts\"} to linux.namespaces)");
        SpecJson.FailsWithOnly(Spec(j => Namespaces(j)[3]!["path"] = "/proc/1/ns/uts"),
            "hostname", "cannot be set when joining the existing uts namespace at linux.namespaces[3].path");
        SpecJson.FailsWithOnly(Spec(j => { j.Remove("hostname"); j["domainname"] = "x.org"; Namespaces(j).RemoveAt(3); }),
            "domainname", "needs a new uts namespace (add {\"type\": \"uts\"} to linux.namespaces)");
    }

    [Fact]
    public void UserNamespace_AndMappings_GoTogether()
    {
        const string map = """[{"containerID": 0, "hostID": 100000, "size": 65536}]""";
        SpecJson.FailsWithOnly(Spec(j => { j.Linux()["uidMappings"] = JsonNode.Parse(map); j.Linux()["gidMappings"] = JsonNode.Parse(map); }),
            "linux.uidMappings", "needs a new user namespace (add {\"type\": \"user\"} to linux.namespaces)");
        SpecJson.FailsWithOnly(Spec(j =>
            {
                j.Linux()["uidMappings"] = JsonNode.Parse(map);
                Namespaces(j).Add(new JsonObject { ["type"] = "user", ["path"] = "/proc/1/ns/user" });
            }),
            "linux.uidMappings", "cannot be set when joining the existing user namespace at linux.namespaces[6].path");

        var error = SpecJson.Fails(Spec(j => Namespaces(j).Add(new JsonObject { ["type"] = "user" })));
        Assert.Equal(
            [
                new SpecProblem("linux.uidMappings", "a new user namespace needs at least one uid mapping"),
                new SpecProblem("linux.gidMappings", "a new user namespace needs at least one gid mapping"),
            ],
            error.Problems);

        SpecLoader.Parse(Spec(j =>
        {
            j.Linux()["uidMappings"] = JsonNode.Parse(map);
            j.Linux()["gidMappings"] = JsonNode.Parse(map);
            Namespaces(j).Add(new JsonObject { ["type"] = "user" });
        }).ToJsonString(), SpecJson.Source);
    }

    [Fact]
    public void IdMappings_SizesAndOverlaps()
    {
        JsonObject WithUidMaps(string maps) => Spec(j =>
        {
            j.Linux()["uidMappings"] = JsonNode.Parse(maps);
            j.Linux()["gidMappings"] = JsonNode.Parse("""[{"containerID": 0, "hostID": 100000, "size": 1}]""");
            Namespaces(j).Add(new JsonObject { ["type"] = "user" });
        });

        SpecJson.FailsWithOnly(WithUidMaps("""[{"containerID": 0, "hostID": 100000, "size": 0}]"""),
            "linux.uidMappings[0].size", "must be at least 1");
        SpecJson.FailsWithOnly(WithUidMaps("""[{"containerID": 0, "hostID": 100000, "size": 10}, {"containerID": 5, "hostID": 200000, "size": 10}]"""),
            "linux.uidMappings[1]", "container range overlaps linux.uidMappings[0]");
        SpecJson.FailsWithOnly(WithUidMaps("""[{"containerID": 0, "hostID": 100000, "size": 10}, {"containerID": 10, "hostID": 100009, "size": 1}]"""),
            "linux.uidMappings[1]", "host range overlaps linux.uidMappings[0]");
        SpecJson.FailsWithOnly(WithUidMaps("""[{"containerID": 4294967295, "hostID": 100000, "size": 2}]"""),
            "linux.uidMappings[0]", "container range 4294967295+2 goes past 4294967295");
    }

    [Fact]
    public void Sysctl_OnlyNamespacedOnes_InTheContainersNamespaces()
    {
        static JsonObject WithSysctl(string name, Action<JsonObject>? change = null) => Spec(j =>
        {
            j.Linux()["sysctl"] = new JsonObject { [name] = "1" };
            change?.Invoke(j);
        });

        SpecJson.FailsWithOnly(WithSysctl("vm.swappiness"), "linux.sysctl[\"vm.swappiness\"]",
            "not allowed: this sysctl is not namespaced, so setting it would change the host");
        SpecJson.FailsWithOnly(WithSysctl("net.ipv4.ip_forward", j => Namespaces(j).RemoveAt(1)), "linux.sysctl[\"net.ipv4.ip_forward\"]",
            "needs a network namespace of the container's own (add {\"type\": \"network\"} to linux.namespaces)");
        SpecJson.FailsWithOnly(WithSysctl("kernel.shmmax", j => Namespaces(j).RemoveAt(2)), "linux.sysctl[\"kernel.shmmax\"]",
            "needs a ipc namespace of the container's own (add {\"type\": \"ipc\"} to linux.namespaces)");
        SpecJson.FailsWithOnly(WithSysctl("fs.mqueue.msg_max", j => Namespaces(j).RemoveAt(2)), "linux.sysctl[\"fs.mqueue.msg_max\"]",
            "needs a ipc namespace of the container's own (add {\"type\": \"ipc\"} to linux.namespaces)");
        SpecJson.FailsWithOnly(WithSysctl("kernel.hostname"), "linux.sysctl[\"kernel.hostname\"]", "use the hostname field instead of this sysctl");

        SpecLoader.Parse(WithSysctl("net.core.somaxconn").ToJsonString(), SpecJson.Source);
        SpecLoader.Parse(WithSysctl("kernel.msgmax").ToJsonString(), SpecJson.Source);
        SpecLoader.Parse(WithSysctl("kernel.domainname").ToJsonString(), SpecJson.Source);
    }

    [Fact]
    public void Seccomp_Rules()
    {
        static JsonObject WithSeccomp(string seccomp) => Spec(j => j.Linux()["seccomp"] = JsonNode.Parse(seccomp));

        SpecJson.FailsWithOnly(WithSeccomp("""{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [], "action": "SCMP_ACT_ERRNO"}]}"""),
            "linux.seccomp.syscalls[0].names", "must not be empty");
        SpecJson.FailsWithOnly(WithSeccomp("""{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read", ""], "action": "SCMP_ACT_ERRNO"}]}"""),
            "linux.seccomp.syscalls[0].names[1]", "must be a syscall name, got \"\"");
        SpecJson.FailsWithOnly(WithSeccomp("""{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"action": "SCMP_ACT_ERRNO"}]}"""),
            "linux.seccomp.syscalls[0].names", "must not be empty");
        SpecJson.FailsWithOnly(WithSeccomp("""{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 0, "op": "SCMP_CMP_EQ"}]}]}"""),
            "linux.seccomp.syscalls[0].args[0].index", "must be less than 6, got 6");
        SpecJson.FailsWithOnly(WithSeccomp("""{"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 1}"""),
            "linux.seccomp.defaultErrnoRet", "only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_ALLOW");
        SpecJson.FailsWithOnly(WithSeccomp("""{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_KILL", "errnoRet": 1}]}"""),
            "linux.seccomp.syscalls[0].errnoRet", "only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_KILL");
        SpecJson.FailsWithOnly(WithSeccomp("""{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_NOTIFY"}]}"""),
            "linux.seccomp.listenerPath", "is required when an action is SCMP_ACT_NOTIFY");
        var error = SpecJson.Fails(WithSeccomp("""{"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/run/l.sock"}"""));
        Assert.Equal([new SpecProblem("linux.seccomp.defaultAction", "SCMP_ACT_NOTIFY cannot be the default action")], error.Problems);
        SpecJson.FailsWithOnly(WithSeccomp("""{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "l.sock"}"""),
            "linux.seccomp.listenerPath", "must be an absolute path, got \"l.sock\"");
    }

    [Fact]
    public void Devices_PathTypeAndMode()
    {
        SpecJson.FailsWithOnly(Spec(j => j.Linux()["devices"] = JsonNode.Parse("""[{"path": "/dev/x", "type": "x", "major": 1, "minor": 1}]""")),
            "linux.devices[0].type", "unknown device type \"x\" (expected c, u, b or p)");
        SpecJson.FailsWithOnly(Spec(j => j.Linux()["devices"] = JsonNode.Parse("""[{"path": "dev/x", "type": "c", "major": 1, "minor": 1}]""")),
            "linux.devices[0].path", "must be an absolute path, got \"dev/x\"");
        SpecJson.FailsWithOnly(Spec(j => j.Linux()["devices"] = JsonNode.Parse("""[{"path": "/dev/x", "type": "c", "major": 1, "minor": 1, "fileMode": 8192}]""")),
            "linux.devices[0].fileMode", "must be permission bits, at most 4095 (07777 octal), got 8192");
        SpecJson.FailsWithOnly(Spec(j => j.Linux()["devices"] = JsonNode.Parse("""[{"path": "/dev/x", "type": "c", "major": -1, "minor": 1}]""")),
            "linux.devices[0]", "device numbers must not be negative, got -1:1");
    }

    [Fact]
    public void Resources_Ranges()
    {
        static JsonObject WithResources(string resources) => Spec(j => j.Linux()["resources"] = JsonNode.Parse(resources));

        SpecJson.FailsWithOnly(WithResources("""{"devices": [{"allow": true, "type": "q", "access": "rw"}]}"""),
            "linux.resources.devices[0].type", "unknown device type \"q\" (expected a, c or b)");
        SpecJson.FailsWithOnly(WithResources("""{"devices": [{"allow": true, "access": "rwx"}]}"""),
            "linux.resources.devices[0].access", "expected some of r, w, m, got \"rwx\"");
        SpecJson.FailsWithOnly(WithResources("""{"memory": {"limit": 2000, "swap": 1000}}"""),
            "linux.resources.memory.swap", "memory+swap limit 1000 is less than the memory limit 2000");
        SpecJson.FailsWithOnly(WithResources("""{"memory": {"limit": -5}}"""),
            "linux.resources.memory.limit", "must be a number of bytes, or -1 for no limit, got -5");
        SpecJson.FailsWithOnly(WithResources("""{"memory": {"swappiness": 101}}"""),
            "linux.resources.memory.swappiness", "must be between 0 and 100, got 101");
        SpecJson.FailsWithOnly(WithResources("""{"cpu": {"period": 10}}"""),
            "linux.resources.cpu.period", "must be between 1000 and 1000000 microseconds, got 10");
        SpecJson.FailsWithOnly(WithResources("""{"cpu": {"cpus": "0-a"}}"""),
            "linux.resources.cpu.cpus", "expected a list like \"0-3,7\", got \"0-a\"");
        SpecJson.FailsWithOnly(WithResources("""{"cpu": {"idle": 2}}"""),
            "linux.resources.cpu.idle", "must be 0 or 1, got 2");
        SpecJson.FailsWithOnly(WithResources("""{"blockIO": {"weight": 5}}"""),
            "linux.resources.blockIO.weight", "must be between 10 and 1000, got 5");
        SpecJson.FailsWithOnly(WithResources("""{"hugepageLimits": [{"pageSize": "2M", "limit": 1}]}"""),
            "linux.resources.hugepageLimits[0].pageSize", "expected a size like \"2MB\" or \"1GB\", got \"2M\"");
        SpecJson.FailsWithOnly(WithResources("""{"unified": {"../../etc/passwd": "x"}}"""),
            "linux.resources.unified[\"../../etc/passwd\"]", "not a cgroup v2 interface file name (like \"memory.high\")");
        SpecLoader.Parse(WithResources("""{"memory": {"limit": -1, "swap": -1}, "cpu": {"quota": -1, "period": 100000}}""").ToJsonString(), SpecJson.Source);
    }

    [Fact]
    public void Linux_PropagationPathsTimeAndPersonality()
    {
        SpecJson.FailsWithOnly(Spec(j => j.Linux()["rootfsPropagation"] = "sideways"),
            "linux.rootfsPropagation", "unknown propagation \"sideways\" (expected shared, slave, private or unbindable)");
        SpecJson.FailsWithOnly(Spec(j => j.Linux()["maskedPaths"]!.AsArray().Add("proc/x")),
            "linux.maskedPaths[11]", "must be an absolute path, got \"proc/x\"");
        SpecJson.FailsWithOnly(Spec(j => j.Linux()["readonlyPaths"]![0] = ""),
            "linux.readonlyPaths[0]", "must not be empty");
        SpecJson.FailsWithOnly(Spec(j => j.Linux()["timeOffsets"] = JsonNode.Parse("""{"monotonic": {"secs": 1}}""")),
            "linux.timeOffsets", "needs a new time namespace (add {\"type\": \"time\"} to linux.namespaces)");
        SpecJson.FailsWithOnly(Spec(j =>
            {
                j.Linux()["timeOffsets"] = JsonNode.Parse("""{"realtime": {"secs": 1}}""");
                Namespaces(j).Add(new JsonObject { ["type"] = "time" });
            }),
            "linux.timeOffsets.realtime", "unknown clock (expected monotonic or boottime)");
        SpecJson.FailsWithOnly(Spec(j => j.Linux()["personality"] = JsonNode.Parse("""{"domain": "LINUX", "flags": ["SHORT_INODE"]}""")),
            "linux.personality.flags[0]", "unknown personality flag \"SHORT_INODE\" (runtime-spec 1.2 defines none)");
    }

    [Fact]
    public void MountIntoDotDot_WithOtherProblems_AllReported()
    {
        var error = SpecJson.Fails(Spec(j =>
        {
            j["mounts"]!.AsArray().Add(JsonNode.Parse("""{"destination": "/../../host", "type": "bind", "source": "/"}"""));
            Namespaces(j)[0]!["type"] = "mount";
            j.Process()["rlimits"]![0]!["type"] = "RLIMIT_WHATEVER";
        }));

        Assert.Equal(
            [
                new SpecProblem("process.rlimits[0].type", "unknown rlimit type \"RLIMIT_WHATEVER\""),
                new SpecProblem("mounts[7].destination", "must not contain \"..\", got \"/../../host\""),
                new SpecProblem("linux.namespaces[4].type", "duplicate namespace type \"mount\" (also at linux.namespaces[0])"),
            ],
            error.Problems);
    }
}

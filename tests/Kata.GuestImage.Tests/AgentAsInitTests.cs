using Grpc.Net.Client;
using Kata.Agent.Protocol;
using Kata.GuestImage.Tests.Infrastructure;

namespace Kata.GuestImage.Tests;

/// <summary>
/// The image's /init run as PID 1 in fresh namespaces on the host (this host cannot boot the guest: its /dev/kvm is PVM).
/// Running it from the unpacked archive also proves the archive holds every library the agent loads.
/// </summary>
public class AgentAsInitTests
{
    [Fact]
    public async Task InitMountsWhatItMust_AnswersHealth_AndPowersOffWhenTheSandboxIsDestroyed()
    {
        if (Environment.UserName != "root")
        {
            Assert.Skip("needs root (new PID and mount namespaces, mounts)");
        }
        CancellationToken cancel = TestContext.Current.CancellationToken;
        using var image = ExtractedInitramfs.From(GuestImageFiles.Initramfs);
        await using (var init = InitUnderUnshare.Start(image.Root))
        {
            int hostPid = await init.HostPidAsync();
            await init.WaitForSocketAsync();

            // PID 1 in its own namespace (NSpid: the host's pid, then the pid in the new namespace).
            string nspid = File.ReadLines($"/proc/{hostPid}/status").Single(l => l.StartsWith("NSpid:", StringComparison.Ordinal));
            Assert.EndsWith("\t1", nspid);

            using GrpcChannel channel = init.Channel();
            var health = new Health.HealthClient(channel);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new CheckRequest(), cancellationToken: cancel)).Status);
            var agent = new AgentService.AgentServiceClient(channel);
            GuestDetailsResponse details = await agent.GetGuestDetailsAsync(new GuestDetailsRequest(), cancellationToken: cancel);
            Assert.True(details.IsVmGuest, "the agent as PID 1 must take itself for the guest's init");

            // What GuestInit mounts, as the agent's own mount table shows it (paths relative to its root).
            var mounts = File.ReadLines($"/proc/{hostPid}/mountinfo").Select(l => l.Split(' '))
                .ToDictionary(f => f[4], f => f[Array.IndexOf(f, "-") + 1]);
            foreach (var (target, fsType) in new[] { ("/proc", "proc"), ("/sys", "sysfs"), ("/dev", "devtmpfs"), ("/dev/pts", "devpts"),
                                                     ("/dev/shm", "tmpfs"), ("/run", "tmpfs"), ("/tmp", "tmpfs"), ("/sys/fs/cgroup", "cgroup2") })
            {
                Assert.True(mounts.TryGetValue(target, out string? actual) && actual == fsType,
                    $"{target} is not a {fsType} mount in the agent's mount table:\n{string.Join("\n", mounts.Select(m => $"{m.Key} {m.Value}"))}");
            }
            // None of it reached the host.
            Assert.Empty(image.HostMountsUnderRoot());

            // The pod's hostname lands in the guest's UTS namespace, not the host's.
            string hostHostname = File.ReadAllText("/proc/sys/kernel/hostname");
            await agent.CreateSandboxAsync(new CreateSandboxRequest { Hostname = "kata-init-test", SandboxId = "init-test" }, cancellationToken: cancel);
            // (The hostname sysctl answers for the reader's UTS namespace: read it from inside the agent's.)
            ScriptRun guestHostname = await ScriptRun.RunAsync("nsenter", ["--target", hostPid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--uts", "hostname"]);
            Assert.Equal("kata-init-test", guestHostname.Output.Trim());
            Assert.Equal(hostHostname, File.ReadAllText("/proc/sys/kernel/hostname"));

            // An orphan in its PID namespace becomes its child (it is that namespace's init) and is reaped when it exits.
            await AssertOrphansAreReapedAsync(hostPid, cancel);

            // DestroySandbox: the agent stops serving and powers off; reboot(2) in a PID namespace ends its init.
            await agent.DestroySandboxAsync(new DestroySandboxRequest(), cancellationToken: cancel);
            Task exited = init.Exited;
            Task done = await Task.WhenAny(exited, Task.Delay(TimeSpan.FromMinutes(1), cancel));
            Assert.True(done == exited, $"the agent did not power off after DestroySandbox; its output:\n{init.Output}");
            Assert.Contains("powering off", init.Output);
        }
        Assert.Empty(image.HostMountsUnderRoot());
    }

    private static async Task AssertOrphansAreReapedAsync(int agentPid, CancellationToken cancel)
    {
        // nsenter forks a shell inside the agent's PID namespace; the shell starts `sleep 2` and exits at once, so the
        // sleep is re-parented to the namespace's init: the agent.
        ScriptRun spawn = await ScriptRun.RunAsync("nsenter", ["--target", agentPid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--pid",
            "/bin/busybox", "sh", "-c", "/bin/busybox sleep 2 >/dev/null 2>&1 </dev/null & exit 0"]);
        Assert.True(spawn.ExitCode == 0, spawn.Output);
        List<(int Pid, string Comm, char State)> adopted = AgentChildren(agentPid);
        Assert.Contains(adopted, c => c.Comm == "busybox" || c.Comm == "sleep");
        for (int i = 0; i < 600 && AgentChildren(agentPid).Count > 0; i++)
        {
            await Task.Delay(100, cancel);
        }
        List<(int Pid, string Comm, char State)> left = AgentChildren(agentPid);
        Assert.True(left.Count == 0, "the agent left children behind: " + string.Join(", ", left.Select(c => $"{c.Pid} {c.Comm} state {c.State}")));
    }

    /// <summary>The agent's children (over all its threads), with their state from /proc/PID/stat ('Z' = zombie).</summary>
    private static List<(int Pid, string Comm, char State)> AgentChildren(int agentPid)
    {
        var children = new List<(int, string, char)>();
        foreach (string task in Directory.EnumerateDirectories($"/proc/{agentPid}/task"))
        {
            string list;
            try
            {
                list = File.ReadAllText(Path.Combine(task, "children"));
            }
            catch (IOException)
            {
                continue;
            }
            foreach (string pid in list.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                try
                {
                    string stat = File.ReadAllText($"/proc/{pid}/stat");
                    int close = stat.LastIndexOf(')');
                    children.Add((int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture), stat[(stat.IndexOf('(') + 1)..close], stat[close + 2]));
                }
                catch (IOException)
                {
                    // Reaped between the two reads.
                }
            }
        }
        return children;
    }
}

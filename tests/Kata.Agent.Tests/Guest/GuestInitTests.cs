using Kata.Agent.Guest;
using Kata.Agent.Tests.Infrastructure;
using Serilog;

namespace Kata.Agent.Tests.Guest;

/// <summary>The guest init's mounts, made for real under a scratch root on the host (we are root).</summary>
public class GuestInitTests
{
    [Fact]
    public void MountPseudoFilesystems_MountsEachUnderTheRoot_AndIsIdempotent()
    {
        if (Environment.UserName != "root")
        {
            Assert.Skip("mounting needs root");
        }
        using var scratch = new ScratchDirectory();
        ILogger log = new LoggerConfiguration().CreateLogger();
        try
        {
            GuestInit.MountPseudoFilesystems(scratch.Path, log);
            GuestInit.MountPseudoFilesystems(scratch.Path, log); // second call: nothing mounted twice

            foreach (var mount in GuestInit.Mounts)
            {
                string target = Path.Combine(scratch.Path, mount.Target);
                Assert.True(GuestInit.IsMountPoint(target), $"{target} is not mounted");
                int count = File.ReadLines("/proc/self/mountinfo").Count(l => l.Split(' ')[4] == target);
                Assert.True(count == 1, $"{target} mounted {count} times");
            }
            Assert.True(File.Exists(Path.Combine(scratch.Path, "proc/self/status")));
            Assert.True(File.Exists(Path.Combine(scratch.Path, "sys/fs/cgroup/cgroup.procs")), "cgroup2 not mounted");
            Assert.True(File.Exists(Path.Combine(scratch.Path, "dev/null")));
        }
        finally
        {
            foreach (var mount in GuestInit.Mounts.Reverse())
            {
                Kata.Agent.Interop.AgentLibc.Umount2(Path.Combine(scratch.Path, mount.Target), 2 /* MNT_DETACH */);
            }
        }
        Assert.DoesNotContain(File.ReadLines("/proc/self/mountinfo"), l => l.Contains(scratch.Path, StringComparison.Ordinal));
    }

    [Fact]
    public void IsMountPoint_TellsMountPointsFromPlainDirectories()
    {
        Assert.True(GuestInit.IsMountPoint("/"));
        Assert.True(GuestInit.IsMountPoint("/proc"));
        using var scratch = new ScratchDirectory();
        Assert.False(GuestInit.IsMountPoint(scratch.Path));
    }
}

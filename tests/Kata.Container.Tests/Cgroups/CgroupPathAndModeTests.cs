using Kata.Container.Cgroups;
using Kata.Container.Interop;
using Kata.Container.Tests.Infrastructure;

namespace Kata.Container.Tests.Cgroups;

public sealed class CgroupPathAndModeTests
{
    [Theory]
    [InlineData(null, "abc", "/kata-style/abc")]
    [InlineData("", "abc", "/kata-style/abc")]
    [InlineData("/pods//p1/ctr/", "abc", "/pods/p1/ctr")]
    [InlineData("pods/p1", "abc", "pods/p1")]
    public void Cgroups_path_is_normalised_absolute_relative_or_default(string? cgroupsPath, string id, string expected) =>
        Assert.Equal(expected, CgroupPathResolver.Normalize(cgroupsPath, id));

    [Fact]
    public void Relative_paths_go_under_the_runtimes_own_cgroup() =>
        Assert.Equal("/system.slice/agent/pods/p1", CgroupPathResolver.Resolve("pods/p1", "/system.slice/agent/"));

    [Theory]
    [InlineData("system.slice:docker:abc", "systemd")]
    [InlineData("/a/../b", "'..'")]
    [InlineData("/", "root cgroup")]
    public void Unusable_cgroups_paths_are_refused_clearly(string cgroupsPath, string message)
    {
        var ex = Assert.Throws<ContainerConfigException>(() => CgroupPathResolver.Normalize(cgroupsPath, "abc"));
        Assert.Contains(cgroupsPath, ex.Message);
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void Own_cgroups_are_read_per_controller_and_for_v2()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "12:cpu,cpuacct:/a\n4:memory:/m/x\n1:name=systemd:/s\n0::/unified/u\n");
            var own = CgroupPathResolver.ReadOwnCgroups(file);
            Assert.Equal("/a", own["cpu"]);
            Assert.Equal("/a", own["cpuacct"]);
            Assert.Equal("/m/x", own["memory"]);
            Assert.Equal("/unified/u", own[""]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void This_hosts_mode_matches_its_mounts()
    {
        var mounts = File.ReadAllLines("/proc/self/mounts").Select(l => l.Split(' ')).ToList();
        var expected = mounts.Any(m => m[1] == "/sys/fs/cgroup" && m[2] == "cgroup2") ? CgroupMode.Unified
            : mounts.Any(m => m[1] == "/sys/fs/cgroup/unified" && m[2] == "cgroup2") ? CgroupMode.Hybrid
            : CgroupMode.Legacy;
        Assert.Equal(expected, CgroupModeDetector.Detect());
    }

    [Fact]
    public void A_cgroup2_mount_is_unified_and_a_plain_tmpfs_is_legacy()
    {
        using (var cgroup2 = new Cgroup2Mount())
        {
            Assert.Equal(CgroupMode.Unified, CgroupModeDetector.Detect(cgroup2.Path));
        }
        var tmpfs = Path.Combine(Path.GetTempPath(), "kata-tmpfs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(tmpfs);
        try
        {
            Assert.Equal(0, Libc.Mount("tmpfs", tmpfs, "tmpfs", 0, null));
            try
            {
                Assert.Equal(CgroupMode.Legacy, CgroupModeDetector.Detect(tmpfs));
            }
            finally
            {
                Libc.Umount2(tmpfs, 2);
            }
        }
        finally
        {
            Directory.Delete(tmpfs);
        }
    }

    [Fact]
    public void A_directory_that_is_no_cgroup_mount_is_an_error()
    {
        var ex = Assert.Throws<CgroupException>(() => CgroupModeDetector.Detect("/proc"));
        Assert.Contains("/proc is neither a cgroup2 mount nor a tmpfs", ex.Message);
    }
}

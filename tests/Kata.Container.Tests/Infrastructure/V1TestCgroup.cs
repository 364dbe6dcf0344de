using Kata.Container.Cgroups;
using Kata.Container.Cgroups.V1;

namespace Kata.Container.Tests.Infrastructure;

/// <summary>
/// A real v1 cgroup for one test: <c>kata-style-test-&lt;guid&gt;/ctr</c> relative to the test runner's own cgroups,
/// so it nests wherever the runner is placed. Dispose kills what is left and removes both levels everywhere.
/// </summary>
internal sealed class V1TestCgroup : IDisposable
{
    private readonly string _parent = "kata-style-test-" + Guid.NewGuid().ToString("N")[..12];

    public V1TestCgroup()
    {
        RootOnly.Require();
        if (CgroupModeDetector.Detect() == CgroupMode.Unified)
        {
            Assert.Skip("this host mounts cgroup v2 only; the v1 manager cannot be tested for real here");
        }
        Hierarchies = CgroupV1Hierarchies.ReadFromHost();
        Manager = new CgroupV1Manager(_parent + "/ctr", Hierarchies, Serilog.Core.Logger.None);
    }

    public CgroupV1Hierarchies Hierarchies { get; }

    public CgroupV1Manager Manager { get; }

    /// <summary>The directory of <paramref name="subsystem"/>'s cgroup.</summary>
    public string Dir(string subsystem) => Manager.DirectoryOf(subsystem)
        ?? throw new InvalidOperationException($"{subsystem} is not mounted");

    public string ReadFile(string subsystem, string file) => File.ReadAllText(Path.Combine(Dir(subsystem), file)).Trim();

    public void Dispose()
    {
        try
        {
            Manager.Destroy(killProcesses: true);
        }
        finally
        {
            foreach (var subsystem in CgroupV1Hierarchies.KnownSubsystems)
            {
                if (Manager.DirectoryOf(subsystem) is { } leaf && Path.GetDirectoryName(leaf) is { } parent && Directory.Exists(parent))
                {
                    Directory.Delete(parent);
                }
            }
        }
    }
}

using Kata.Container.Cgroups.V1;
using Kata.Container.Cgroups.V2;
using Serilog;

namespace Kata.Container.Cgroups;

/// <summary>Picks the cgroup manager for this host: v2 on a unified host, v1 on legacy and hybrid hosts (as runc does).</summary>
public static class CgroupManagerFactory
{
    /// <param name="cgroupsPath">The spec's <c>linux.cgroupsPath</c>; null means <c>/kata-style/&lt;id&gt;</c>.</param>
    /// <param name="containerId">The container id, for the default path.</param>
    public static ICgroupManager Create(string? cgroupsPath, string containerId, ILogger logger, string root = CgroupModeDetector.DefaultRoot)
    {
        var path = CgroupPathResolver.Normalize(cgroupsPath, containerId);
        var mode = CgroupModeDetector.Detect(root);
        logger.Debug("cgroups: {Mode} mode under {Root}, container cgroup {Path}", mode, root, path);
        return mode switch
        {
            CgroupMode.Unified => new CgroupV2Manager(path, root,
                CgroupPathResolver.ReadOwnCgroups().GetValueOrDefault("", "/"), logger),
            _ => new CgroupV1Manager(path, CgroupV1Hierarchies.ReadFromHost(), logger),
        };
    }
}

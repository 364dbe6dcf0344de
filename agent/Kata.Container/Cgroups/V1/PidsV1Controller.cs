using System.Globalization;
using Kata.Container.Cgroups.Stats;
using Kata.Oci.Spec;

namespace Kata.Container.Cgroups.V1;

/// <summary>The pids controller (same files on v1 and v2: pids.max, pids.current).</summary>
internal sealed class PidsV1Controller : ICgroupV1Controller
{
    public string Subsystem => "pids";

    public bool IsRequested(LinuxResources resources) => resources.Pids is not null;

    public void Set(string directory, LinuxResources resources)
    {
        if (resources.Pids is { } pids)
        {
            CgroupFiles.Write(directory, "pids.max", MaxValue(pids.Limit));
        }
    }

    /// <summary>config-linux.md "pids": a limit of 0 or less means no limit.</summary>
    public static string MaxValue(long limit) => limit > 0 ? limit.ToString(CultureInfo.InvariantCulture) : "max";

    public static PidsStats? ReadStats(string directory) =>
        CgroupFiles.TryReadUInt64(directory, "pids.current") is { } current
            ? new PidsStats(current, CgroupFiles.TryReadUInt64(directory, "pids.max") ?? ulong.MaxValue)
            : null;
}

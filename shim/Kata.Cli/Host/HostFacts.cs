namespace Kata.Cli.Host;

/// <summary>What this host offers a sandbox: measured from /dev, /sys and /proc (see <see cref="Probe"/>).</summary>
public sealed record HostFacts
{
    public const string KvmDevice = "/dev/kvm";
    public const string PvmModule = "/sys/module/kvm_pvm";

    public bool KvmPresent { get; init; }
    public bool KvmWritable { get; init; }
    public bool IsPvmHost { get; init; }
    /// <summary>vmx (Intel VT-x) or svm (AMD-V) in /proc/cpuinfo, or null when neither.</summary>
    public string? HardwareVirtualization { get; init; }
    public bool VhostVsock { get; init; }
    public required string CgroupVersion { get; init; }

    public bool KvmUsable => KvmPresent && KvmWritable;

    public string KvmProblem => !KvmPresent
        ? $"{KvmDevice} does not exist (no KVM: enable VT-x/AMD-V in the firmware and load kvm_intel/kvm_amd, or load kvm_pvm)"
        : !KvmWritable ? $"{KvmDevice} is not writable by this user (add the user to the kvm group or run as root)" : "none";

    public static HostFacts Probe() => new()
    {
        KvmPresent = File.Exists(KvmDevice),
        KvmWritable = CanOpenForWriting(KvmDevice),
        IsPvmHost = Directory.Exists(PvmModule),
        HardwareVirtualization = CpuFlag(),
        VhostVsock = File.Exists("/dev/vhost-vsock") || Directory.Exists("/sys/module/vhost_vsock"),
        CgroupVersion = File.Exists("/sys/fs/cgroup/cgroup.controllers") ? "v2"
            : Directory.Exists("/sys/fs/cgroup/unified") ? "hybrid (v1 controllers, v2 unified hierarchy)" : "v1",
    };

    private static bool CanOpenForWriting(string path)
    {
        try
        {
            using FileStream _ = new(path, FileMode.Open, FileAccess.ReadWrite);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string? CpuFlag()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("flags", StringComparison.Ordinal))
                {
                    string[] flags = line.Split([' ', '\t', ':'], StringSplitOptions.RemoveEmptyEntries);
                    return flags.Contains("vmx") ? "vmx (Intel VT-x)" : flags.Contains("svm") ? "svm (AMD-V)" : null;
                }
            }
        }
        catch (IOException)
        {
        }
        return null;
    }
}

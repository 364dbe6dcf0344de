using System.Globalization;
using Kata.Container.Cgroups.Stats;
using Kata.Oci.Spec;

namespace Kata.Container.Cgroups.V1;

/// <summary>The v1 blkio controller: weights and throttles (Documentation/admin-guide/cgroup-v1/blkio-controller.rst).</summary>
internal sealed class BlkioV1Controller : ICgroupV1Controller
{
    public string Subsystem => "blkio";

    public bool IsRequested(LinuxResources resources) => resources.BlockIo is { } io &&
        (io.Weight is not null || io.LeafWeight is not null || io.WeightDevice is { Count: > 0 } ||
         io.ThrottleReadBpsDevice is { Count: > 0 } || io.ThrottleWriteBpsDevice is { Count: > 0 } ||
         io.ThrottleReadIopsDevice is { Count: > 0 } || io.ThrottleWriteIopsDevice is { Count: > 0 });

    public void Set(string directory, LinuxResources resources)
    {
        if (resources.BlockIo is not { } io)
        {
            return;
        }
        // CFQ's blkio.weight is gone with the legacy block layer; BFQ provides blkio.bfq.weight.
        var weightFile = CgroupFiles.Exists(directory, "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight";
        if (io.Weight is { } weight and not 0)
        {
            RequireFile(directory, weightFile, "linux.resources.blockIO.weight");
            CgroupFiles.Write(directory, weightFile, weight.ToString(CultureInfo.InvariantCulture));
        }
        if (io.LeafWeight is { } leafWeight and not 0)
        {
            RequireFile(directory, "blkio.leaf_weight", "linux.resources.blockIO.leafWeight");
            CgroupFiles.Write(directory, "blkio.leaf_weight", leafWeight.ToString(CultureInfo.InvariantCulture));
        }
        foreach (var device in io.WeightDevice ?? [])
        {
            if (device.Weight is { } w)
            {
                var file = weightFile + "_device";
                RequireFile(directory, file, "linux.resources.blockIO.weightDevice");
                CgroupFiles.Write(directory, file, $"{device.Major}:{device.Minor} {w}");
            }
            if (device.LeafWeight is { } lw)
            {
                CgroupFiles.Write(directory, "blkio.leaf_weight_device", $"{device.Major}:{device.Minor} {lw}");
            }
        }
        WriteThrottles(directory, "blkio.throttle.read_bps_device", io.ThrottleReadBpsDevice);
        WriteThrottles(directory, "blkio.throttle.write_bps_device", io.ThrottleWriteBpsDevice);
        WriteThrottles(directory, "blkio.throttle.read_iops_device", io.ThrottleReadIopsDevice);
        WriteThrottles(directory, "blkio.throttle.write_iops_device", io.ThrottleWriteIopsDevice);
    }

    private static void WriteThrottles(string directory, string file, IReadOnlyList<LinuxThrottleDevice>? devices)
    {
        foreach (var device in devices ?? [])
        {
            CgroupFiles.Write(directory, file, $"{device.Major}:{device.Minor} {device.Rate}");
        }
    }

    private static void RequireFile(string directory, string file, string field)
    {
        if (!CgroupFiles.Exists(directory, file))
        {
            throw new CgroupException($"{field} is set but {Path.Combine(directory, file)} does not exist " +
                "(no I/O scheduler with weights on this kernel)", Path.Combine(directory, file));
        }
    }

    /// <summary>Bytes and operations per device from blkio.throttle.io_service_bytes and io_serviced.</summary>
    public static IoStats? ReadStats(string directory)
    {
        var bytes = CgroupFiles.TryRead(directory, "blkio.throttle.io_service_bytes_recursive")
            ?? CgroupFiles.TryRead(directory, "blkio.throttle.io_service_bytes");
        if (bytes is null)
        {
            return null;
        }
        var ops = CgroupFiles.TryRead(directory, "blkio.throttle.io_serviced_recursive")
            ?? CgroupFiles.TryRead(directory, "blkio.throttle.io_serviced") ?? "";
        var devices = new SortedDictionary<(uint, uint), IoDeviceStats>();
        Accumulate(bytes, devices, isBytes: true);
        Accumulate(ops, devices, isBytes: false);
        return new IoStats([.. devices.Values]);
    }

    /// <summary>Lines "8:0 Read 4096" … and a final "Total N" line.</summary>
    private static void Accumulate(string text, SortedDictionary<(uint, uint), IoDeviceStats> devices, bool isBytes)
    {
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3 || parts[0].Split(':') is not [var major, var minor] ||
                !uint.TryParse(major, out var maj) || !uint.TryParse(minor, out var min) || !ulong.TryParse(parts[2], out var value))
            {
                continue;
            }
            var current = devices.GetValueOrDefault((maj, min)) ?? new IoDeviceStats(maj, min, 0, 0, 0, 0);
            devices[(maj, min)] = (parts[1], isBytes) switch
            {
                ("Read", true) => current with { ReadBytes = value },
                ("Write", true) => current with { WriteBytes = value },
                ("Read", false) => current with { ReadOperations = value },
                ("Write", false) => current with { WriteOperations = value },
                _ => current,
            };
        }
    }
}

using System.Globalization;
using Kata.Container.Cgroups.Stats;
using Kata.Oci.Spec;

namespace Kata.Container.Cgroups.V2;

/// <summary>io.weight (or io.bfq.weight) and io.max (cgroup-v2.rst "IO Interface Files").</summary>
internal sealed class IoV2Controller : ICgroupV2Controller
{
    public string Name => "io";

    public bool IsRequested(LinuxResources resources) => resources.BlockIo is { } io &&
        (io.Weight is not (null or 0) || io.WeightDevice is { Count: > 0 } ||
         io.ThrottleReadBpsDevice is { Count: > 0 } || io.ThrottleWriteBpsDevice is { Count: > 0 } ||
         io.ThrottleReadIopsDevice is { Count: > 0 } || io.ThrottleWriteIopsDevice is { Count: > 0 });

    public void Set(string directory, LinuxResources resources)
    {
        if (resources.BlockIo is not { } io)
        {
            return;
        }
        // BFQ takes the v1 range (1..1000) as is; io.weight is 1..10000.
        var bfq = CgroupFiles.Exists(directory, "io.bfq.weight");
        if (io.Weight is { } weight and not 0)
        {
            CgroupFiles.Write(directory, bfq ? "io.bfq.weight" : "io.weight",
                "default " + (bfq ? weight : BlkioWeightToIoWeight(weight)).ToString(CultureInfo.InvariantCulture));
        }
        foreach (var device in io.WeightDevice ?? [])
        {
            if (device.Weight is { } w)
            {
                CgroupFiles.Write(directory, bfq ? "io.bfq.weight" : "io.weight",
                    $"{device.Major}:{device.Minor} {(bfq ? w : BlkioWeightToIoWeight(w))}");
            }
        }
        WriteMax(directory, "rbps", io.ThrottleReadBpsDevice);
        WriteMax(directory, "wbps", io.ThrottleWriteBpsDevice);
        WriteMax(directory, "riops", io.ThrottleReadIopsDevice);
        WriteMax(directory, "wiops", io.ThrottleWriteIopsDevice);
    }

    /// <summary>blkio weight 10..1000 to io.weight 1..10000 (runc's cgroups.ConvertBlkIOToIOWeightValue).</summary>
    public static ulong BlkioWeightToIoWeight(ushort blkioWeight) =>
        blkioWeight == 0 ? 0 : 1 + (((ulong)Math.Clamp(blkioWeight, (ushort)10, (ushort)1000) - 10) * 9999 / 990);

    private static void WriteMax(string directory, string key, IReadOnlyList<LinuxThrottleDevice>? devices)
    {
        foreach (var device in devices ?? [])
        {
            // io.max: "MAJ:MIN key=value"; a rate of 0 means no limit ("max").
            var rate = device.Rate == 0 ? "max" : device.Rate.ToString(CultureInfo.InvariantCulture);
            CgroupFiles.Write(directory, "io.max", $"{device.Major}:{device.Minor} {key}={rate}");
        }
    }

    /// <summary>io.stat lines: "8:0 rbytes=90112 wbytes=0 rios=3 wios=0 dbytes=0 dios=0".</summary>
    public static IoStats? ReadStats(string directory)
    {
        if (CgroupFiles.TryRead(directory, "io.stat") is not { } text)
        {
            return null;
        }
        var devices = new List<IoDeviceStats>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || parts[0].Split(':') is not [var major, var minor] ||
                !uint.TryParse(major, out var maj) || !uint.TryParse(minor, out var min))
            {
                throw new CgroupException($"reading {Path.Combine(directory, "io.stat")}: malformed line '{line}'", directory);
            }
            var values = new Dictionary<string, ulong>(StringComparer.Ordinal);
            foreach (var pair in parts.Skip(1))
            {
                var eq = pair.IndexOf('=');
                if (eq > 0 && ulong.TryParse(pair.AsSpan(eq + 1), out var v))
                {
                    values[pair[..eq]] = v;
                }
            }
            devices.Add(new IoDeviceStats(maj, min, values.GetValueOrDefault("rbytes"), values.GetValueOrDefault("wbytes"),
                values.GetValueOrDefault("rios"), values.GetValueOrDefault("wios")));
        }
        return new IoStats(devices);
    }
}

using System.Text.RegularExpressions;
using Kata.Oci.Json;

namespace Kata.Oci.Spec;

public static partial class SpecValidator
{
    private static void ValidateResources(LinuxResources resources, string path, List<SpecProblem> problems)
    {
        if (resources.Devices is not null)
        {
            var devices = SpecPath.Property(path, "devices");
            for (var i = 0; i < resources.Devices.Count; i++)
            {
                ValidateDeviceRule(resources.Devices[i], SpecPath.Index(devices, i), problems);
            }
        }

        if (resources.Memory is { } memory)
        {
            ValidateMemory(memory, SpecPath.Property(path, "memory"), problems);
        }

        if (resources.Cpu is { } cpu)
        {
            ValidateCpu(cpu, SpecPath.Property(path, "cpu"), problems);
        }

        if (resources.BlockIo is { } blockIo)
        {
            ValidateBlockIo(blockIo, SpecPath.Property(path, "blockIO"), problems);
        }

        if (resources.HugepageLimits is not null)
        {
            var hugepages = SpecPath.Property(path, "hugepageLimits");
            for (var i = 0; i < resources.HugepageLimits.Count; i++)
            {
                if (resources.HugepageLimits[i] is { } limit && !PageSizePattern().IsMatch(limit.PageSize))
                {
                    problems.Add(new SpecProblem(SpecPath.Property(SpecPath.Index(hugepages, i), "pageSize"),
                        $"expected a size like \"2MB\" or \"1GB\", got \"{limit.PageSize}\""));
                }
            }
        }

        if (resources.Unified is not null)
        {
            foreach (var (file, _) in resources.Unified)
            {
                // A cgroup v2 interface file is "<controller>.<name>" right in the container's cgroup directory.
                if (!UnifiedKeyPattern().IsMatch(file))
                {
                    problems.Add(new SpecProblem(SpecPath.Property(SpecPath.Property(path, "unified"), file),
                        "not a cgroup v2 interface file name (like \"memory.high\")"));
                }
            }
        }
    }

    private static void ValidateDeviceRule(LinuxDeviceCgroup rule, string path, List<SpecProblem> problems)
    {
        if (rule is null)
        {
            problems.Add(new SpecProblem(path, "must not be null"));
            return;
        }

        if (rule.Type is { Length: > 0 } type && type is not ("a" or "c" or "b"))
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "type"), $"unknown device type \"{type}\" (expected a, c or b)"));
        }

        if (rule.Access is { Length: > 0 } access
            && (access.Any(c => c is not ('r' or 'w' or 'm')) || access.Distinct().Count() != access.Length))
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "access"), $"expected some of r, w, m, got \"{access}\""));
        }
    }

    private static void ValidateMemory(LinuxMemory memory, string path, List<SpecProblem> problems)
    {
        ValidateByteLimit(memory.Limit, SpecPath.Property(path, "limit"), problems);
        ValidateByteLimit(memory.Reservation, SpecPath.Property(path, "reservation"), problems);
        ValidateByteLimit(memory.Swap, SpecPath.Property(path, "swap"), problems);
        ValidateByteLimit(memory.KernelTcp, SpecPath.Property(path, "kernelTCP"), problems);

        // config-linux.md "Memory": swap is memory+swap, so it cannot be below the memory limit.
        if (memory is { Limit: > 0, Swap: > 0 } && memory.Swap < memory.Limit)
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "swap"),
                Invariant($"memory+swap limit {memory.Swap} is less than the memory limit {memory.Limit}")));
        }

        if (memory.Swappiness is > 100)
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "swappiness"), Invariant($"must be between 0 and 100, got {memory.Swappiness}")));
        }
    }

    private static void ValidateByteLimit(long? value, string path, List<SpecProblem> problems)
    {
        if (value is < -1)
        {
            problems.Add(new SpecProblem(path, Invariant($"must be a number of bytes, or -1 for no limit, got {value}")));
        }
    }

    private static void ValidateCpu(LinuxCpu cpu, string path, List<SpecProblem> problems)
    {
        if (cpu.Quota is < -1)
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "quota"), Invariant($"must be microseconds, or -1 for no limit, got {cpu.Quota}")));
        }

        // The CFS bandwidth period must be between 1 ms and 1 s (kernel/sched/core.c).
        if (cpu.Period is > 0 and (< 1000 or > 1_000_000))
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "period"),
                Invariant($"must be between 1000 and 1000000 microseconds, got {cpu.Period}")));
        }

        if (cpu.Shares is > 0 and (< 2 or > 262_144))
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "shares"), Invariant($"must be between 2 and 262144, got {cpu.Shares}")));
        }

        if (cpu.Idle is not (null or 0 or 1))
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "idle"), Invariant($"must be 0 or 1, got {cpu.Idle}")));
        }

        if (cpu.Cpus is { Length: > 0 } cpus && !CpuListPattern().IsMatch(cpus))
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "cpus"), $"expected a list like \"0-3,7\", got \"{cpus}\""));
        }

        if (cpu.Mems is { Length: > 0 } mems && !CpuListPattern().IsMatch(mems))
        {
            problems.Add(new SpecProblem(SpecPath.Property(path, "mems"), $"expected a list like \"0-1\", got \"{mems}\""));
        }
    }

    private static void ValidateBlockIo(LinuxBlockIo blockIo, string path, List<SpecProblem> problems)
    {
        ValidateIoWeight(blockIo.Weight, SpecPath.Property(path, "weight"), problems);
        ValidateIoWeight(blockIo.LeafWeight, SpecPath.Property(path, "leafWeight"), problems);
        if (blockIo.WeightDevice is not null)
        {
            var devices = SpecPath.Property(path, "weightDevice");
            for (var i = 0; i < blockIo.WeightDevice.Count; i++)
            {
                if (blockIo.WeightDevice[i] is { } device)
                {
                    ValidateIoWeight(device.Weight, SpecPath.Property(SpecPath.Index(devices, i), "weight"), problems);
                    ValidateIoWeight(device.LeafWeight, SpecPath.Property(SpecPath.Index(devices, i), "leafWeight"), problems);
                }
            }
        }
    }

    /// <summary>blkio weights are 10..1000 (0 leaves the kernel's default).</summary>
    private static void ValidateIoWeight(ushort? weight, string path, List<SpecProblem> problems)
    {
        if (weight is > 0 and (< 10 or > 1000))
        {
            problems.Add(new SpecProblem(path, Invariant($"must be between 10 and 1000, got {weight}")));
        }
    }

    [GeneratedRegex("^[0-9]+(KB|MB|GB|TB|PB)$")]
    private static partial Regex PageSizePattern();

    [GeneratedRegex("^[a-z0-9_]+\\.[a-z0-9_.]+$")]
    private static partial Regex UnifiedKeyPattern();

    [GeneratedRegex("^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$")]
    private static partial Regex CpuListPattern();
}

namespace Kata.Hypervisor.Vmm;

/// <summary>Reads the VMM's own resource use from /proc (RSS, per-thread CPU time).</summary>
internal static class ProcessStats
{
    /// <summary>USER_HZ: the unit of utime/stime in /proc/*/stat (100 on every Linux architecture we run on).</summary>
    private const double ClockTicksPerSecond = 100.0;

    /// <summary>VmRSS of this process in KiB, or -1 when /proc is unreadable.</summary>
    public static long ResidentSetKiB()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim());
                }
            }
        }
        catch (IOException)
        {
        }
        return -1;
    }

    /// <summary>User + system CPU time of thread <paramref name="tid"/> in milliseconds, or 0 when unknown.</summary>
    public static double ThreadCpuTimeMs(int tid)
    {
        if (tid <= 0)
        {
            return 0;
        }
        try
        {
            string stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
            // Fields after the parenthesised command name (which may contain spaces): state is field 3, utime 14, stime 15.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long ticks = long.Parse(fields[11]) + long.Parse(fields[12]);
            return ticks * 1000.0 / ClockTicksPerSecond;
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }
}

using System.Globalization;

namespace Kata.Cli.State;

/// <summary>
/// A process told apart from a later one with the same pid by its start time (field 22 of /proc/PID/stat, proc(5)).
/// A zombie counts as gone.
/// </summary>
public static class ProcessIdentity
{
    /// <summary>The start time of <paramref name="pid"/>, or null when there is no such (live) process.</summary>
    public static ulong? StartTime(int pid)
    {
        if (pid <= 0)
        {
            return null;
        }
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // "pid (comm) state ppid …": comm may contain spaces and parentheses, so split after the last ')'.
        int close = stat.LastIndexOf(')');
        string[] fields = stat[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state); field 22 (starttime) is fields[19].
        if (fields.Length < 20 || fields[0] is "Z" or "X")
        {
            return null;
        }
        return ulong.Parse(fields[19], CultureInfo.InvariantCulture);
    }

    /// <summary>Live processes of process group <paramref name="pgid"/> (field 5 of /proc/PID/stat) whose command line mentions <paramref name="mention"/>.</summary>
    public static List<int> GroupMembersMentioning(int pgid, string mention)
    {
        var members = new List<int>();
        foreach (string entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out int pid))
            {
                continue;
            }
            try
            {
                string stat = File.ReadAllText(Path.Combine(entry, "stat"));
                string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                // fields[0] is field 3 (state), fields[2] is field 5 (pgrp).
                if (fields.Length > 2 && fields[0] is not ("Z" or "X") && int.Parse(fields[2], CultureInfo.InvariantCulture) == pgid
                    && File.ReadAllText(Path.Combine(entry, "cmdline")).Contains(mention, StringComparison.Ordinal))
                {
                    members.Add(pid);
                }
            }
            catch (IOException)
            {
                // Exited meanwhile.
            }
        }
        return members;
    }

    public static bool IsAlive(int pid, ulong startTime) => pid > 0 && StartTime(pid) == startTime;
}

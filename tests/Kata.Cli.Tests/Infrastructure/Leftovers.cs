namespace Kata.Cli.Tests.Infrastructure;

/// <summary>Proof that a container left nothing behind: no state directory, no process, no mount.</summary>
public static class Leftovers
{
    public static void AssertNone(KataStyle cli, string id, int containerPid = 0)
    {
        string directory = Path.Combine(cli.Root, id);
        Assert.False(Directory.Exists(directory), $"state directory {directory} is still there");
        List<string> processes = ProcessesMentioning(cli.Root, id);
        Assert.True(processes.Count == 0, $"processes of {id} are still running:\n{string.Join('\n', processes)}");
        if (containerPid > 0)
        {
            Assert.False(IsAlive(containerPid), $"the container's init (pid {containerPid}) is still alive");
        }
        string[] mounts = File.ReadAllLines("/proc/self/mountinfo").Where(line => line.Contains(directory, StringComparison.Ordinal)).ToArray();
        Assert.True(mounts.Length == 0, $"mounts under {directory} remain:\n{string.Join('\n', mounts)}");
    }

    /// <summary>The monitor (`… --root ROOT … monitor … ID`) and the agent (`--listen unix:ROOT/ID/sandbox/agent.sock`).</summary>
    public static List<string> ProcessesMentioning(string root, string id)
    {
        var found = new List<string>();
        string containerDirectory = Path.Combine(root, id) + "/";
        foreach (string entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out int pid) || !IsAlive(pid))
            {
                continue;
            }
            string[] words;
            try
            {
                words = File.ReadAllText(Path.Combine(entry, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
            }
            catch (IOException)
            {
                continue;
            }
            bool agent = words.Any(word => word.Contains(containerDirectory, StringComparison.Ordinal));
            bool monitor = words.Contains("monitor") && words.Contains(root) && words.Contains(id);
            if (agent || monitor)
            {
                found.Add($"{pid}: {string.Join(' ', words)}");
            }
        }
        return found;
    }

    /// <summary>True for a live process (a zombie waiting for its parent counts as gone).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }
}

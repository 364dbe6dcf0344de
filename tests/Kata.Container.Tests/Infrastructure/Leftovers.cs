using System.Text;

namespace Kata.Container.Tests.Infrastructure;

/// <summary>Looks for what a failed or deleted container could leave behind on the host.</summary>
internal static class Leftovers
{
    /// <summary>Directories named kata-style/&lt;id&gt; in any cgroup hierarchy (v1 controllers or the v2 root).</summary>
    public static IReadOnlyList<string> CgroupDirectories(string containerId)
    {
        var roots = new List<string> { "/sys/fs/cgroup" };
        roots.AddRange(Directory.EnumerateDirectories("/sys/fs/cgroup"));
        return roots.Select(root => Path.Combine(root, "kata-style", containerId)).Where(Directory.Exists).ToList();
    }

    /// <summary>Pids whose command line is exactly <paramref name="argv"/>.</summary>
    public static IReadOnlyList<int> ProcessesRunning(params string[] argv)
    {
        var wanted = string.Concat(argv.Select(arg => arg + "\0"));
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }
            try
            {
                if (Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(directory, "cmdline"))) == wanted)
                {
                    found.Add(pid);
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // exited meanwhile
            }
        }
        return found;
    }

    /// <summary>Waits (reaping is asynchronous: a killed orphan lingers until its new parent reaps it) until no process
    /// has <paramref name="argv"/> as its command line, and returns those still there after 10 s.</summary>
    public static async Task<IReadOnlyList<int>> ProcessesGoneAsync(params string[] argv)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (ProcessesRunning(argv).Count == 0)
            {
                return [];
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        return ProcessesRunning(argv);
    }
}

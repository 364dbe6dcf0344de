namespace Kata.Container.ProcessSetup;

/// <summary>Finds process.args[0] the way execvp(3) would, in the container's root and PATH, so a missing binary is
/// reported at create time with its name rather than as a bare ENOENT from execve.</summary>
internal static class ExecutableLookup
{
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static string Resolve(string command, IReadOnlyList<string>? environment)
    {
        if (command.Contains('/'))
        {
            if (!File.Exists(command))
            {
                throw new ContainerConfigException($"process.args[0]: '{command}' does not exist in the container");
            }
            return command;
        }
        var path = environment?.LastOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..] ?? DefaultPath;
        foreach (var directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, command);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new ContainerConfigException($"process.args[0]: executable '{command}' not found in the container's PATH ({path})");
    }
}

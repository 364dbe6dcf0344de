namespace Kata.Sandbox;

/// <summary>
/// Finds our other executables when configuration.toml does not name them: next to the running program first (an
/// installation puts them all in one bin directory), then on PATH.
/// </summary>
public static class ExecutableLocator
{
    public const string AgentName = "kata-style-agent";
    public const string VmmName = "kata-style-vmm";

    /// <summary>The command for <paramref name="name"/>, or null when it is in neither place.</summary>
    public static CommandPrefix? Find(string name)
    {
        string? own = Path.GetDirectoryName(Environment.ProcessPath);
        IEnumerable<string> directories = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries);
        if (own is not null)
        {
            directories = directories.Prepend(own);
        }
        foreach (string directory in directories)
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return CommandPrefix.Of(candidate);
            }
        }
        return null;
    }
}

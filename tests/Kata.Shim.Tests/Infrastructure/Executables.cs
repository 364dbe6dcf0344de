namespace Kata.Shim.Tests.Infrastructure;

/// <summary>Our executables as built next to the tests (framework-dependent, run under dotnet).</summary>
public static class Executables
{
    public static string Dotnet { get; } = FindOnPath("dotnet") ?? "/usr/bin/dotnet";
    public static string ShimDll { get; } = Dll("Kata.Shim", "containerd-shim-kata-style-v2.dll");
    public static string AgentDll { get; } = Dll("Kata.Agent", "kata-style-agent.dll");

    public static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    /// <summary>
    /// The dll in its own project's build output (bin/&lt;Project&gt;/… next to bin/Kata.Shim.Tests/…): its deps.json
    /// and runtimeconfig are its own there. In the test's output the agent's ASP.NET Core framework reference changes
    /// how shared assemblies (Microsoft.Extensions.Logging.Abstractions) resolve, and the shim could not start.
    /// </summary>
    private static string Dll(string project, string name)
    {
        string testOutput = AppContext.BaseDirectory;
        string marker = $"{Path.DirectorySeparatorChar}Kata.Shim.Tests{Path.DirectorySeparatorChar}";
        string own = Path.Combine(testOutput.Replace(marker, $"{Path.DirectorySeparatorChar}{project}{Path.DirectorySeparatorChar}", StringComparison.Ordinal), name);
        if (File.Exists(own))
        {
            return own;
        }
        string path = Path.Combine(testOutput, name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{name} is neither in {project}'s output nor in the test output", own);
    }

    /// <summary>A directory with a `containerd-shim-kata-style-v2` wrapper script that runs the built dll under dotnet.</summary>
    public static string WriteShimWrapper(string directory)
    {
        string path = Path.Combine(directory, "containerd-shim-kata-style-v2");
        File.WriteAllText(path, $"#!/bin/sh\nexec {Dotnet} {ShimDll} \"$@\"\n");
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the shim runs on Linux only");
        }
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return directory;
    }
}

using Kata.Sandbox;

namespace Kata.Cli.Hosting;

/// <summary>How to start this program again (the monitor is a re-exec of kata-style in a hidden mode, as `runc init`).</summary>
public static class SelfExecutable
{
    public const string AssemblyFileName = "kata-style.dll";

    /// <summary>The NativeAOT executable itself, or <c>dotnet kata-style.dll</c> for a framework-dependent build.</summary>
    public static CommandPrefix Command
    {
        get
        {
            string process = Environment.ProcessPath ?? throw new CliException("cannot tell which executable is running (no /proc?)");
            return Path.GetFileNameWithoutExtension(process) == "dotnet"
                ? CommandPrefix.Of(process, Path.Combine(AppContext.BaseDirectory, AssemblyFileName))
                : CommandPrefix.Of(process);
        }
    }

    /// <summary>
    /// Our other executable <paramref name="name"/> (the agent, the VMM) as a framework-dependent build next to ours
    /// (<c>dotnet name.dll</c>): how a development build and the tests run. ExecutableLocator covers installed binaries.
    /// </summary>
    public static CommandPrefix? FrameworkDependentSibling(string name)
    {
        string process = Environment.ProcessPath ?? "";
        string dll = Path.Combine(AppContext.BaseDirectory, name + ".dll");
        return Path.GetFileNameWithoutExtension(process) == "dotnet" && File.Exists(dll) ? CommandPrefix.Of(process, dll) : null;
    }
}

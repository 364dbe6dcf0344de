namespace Kata.Shim.Manager;

/// <summary>How to run this program again: the NativeAOT executable itself, or `dotnet &lt;dll&gt;` for a framework-dependent build.</summary>
public static class SelfCommand
{
    public static IReadOnlyList<string> Words()
    {
        string executable = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find this program's own path");
        if (Path.GetFileNameWithoutExtension(executable) == "dotnet")
        {
            // `dotnet x.dll`: argv[0] of the managed program is the dll.
            return [executable, Path.GetFullPath(Environment.GetCommandLineArgs()[0])];
        }
        return [executable];
    }
}

namespace Kata.Sandbox.Tests.Infrastructure;

/// <summary>Our executables as built next to the tests (framework-dependent, started under dotnet).</summary>
public static class Executables
{
    public static CommandPrefix Agent { get; } = Of("kata-style-agent.dll");
    public static CommandPrefix Vmm { get; } = Of("kata-style-vmm.dll");

    /// <summary>build/guest, from `make guest-kernel` / `make guest-image` (KATA_GUEST_DIR overrides).</summary>
    public static string GuestDirectory { get; } = Environment.GetEnvironmentVariable("KATA_GUEST_DIR") ?? FindGuestDirectory();

    private static CommandPrefix Of(string dll)
    {
        string path = Path.Combine(AppContext.BaseDirectory, dll);
        return File.Exists(path) ? CommandPrefix.Of("dotnet", path) : throw new FileNotFoundException($"{dll} is not in the test output", path);
    }

    private static string FindGuestDirectory()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kata.sln")))
            {
                return Path.Combine(dir.FullName, "build", "guest");
            }
        }
        return "/nonexistent/build/guest";
    }
}

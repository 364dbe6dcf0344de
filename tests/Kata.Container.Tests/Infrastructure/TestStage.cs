using Kata.Container.Spawn;

namespace Kata.Container.Tests.Infrastructure;

/// <summary>The stage command for tests: this test program itself (its apphost, or dotnet + the assembly).</summary>
internal static class TestStage
{
    public static StageCommand Command { get; } = Resolve();

    private static StageCommand Resolve()
    {
        var assembly = typeof(TestStage).Assembly.Location;
        var apphost = Path.Combine(Path.GetDirectoryName(assembly)!, Path.GetFileNameWithoutExtension(assembly));
        if (File.Exists(apphost))
        {
            return new StageCommand([apphost]);
        }
        var dotnet = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet"
            ? host
            : "/usr/bin/dotnet";
        return new StageCommand([dotnet, assembly]);
    }
}

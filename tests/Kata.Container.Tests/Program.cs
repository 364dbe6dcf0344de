using Kata.Container.Spawn;

namespace Kata.Container.Tests;

/// <summary>
/// The test executable's entry point. The engine under test re-executes this very program as its container stage
/// (see Infrastructure/TestStage), so the stage check comes first; otherwise it is xunit v3's generated Main.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (ContainerStage.RunIfRequested(args) is int stageStatus)
        {
            return stageStatus;
        }
        if (args.Any(arg => arg is "--server" or "--internal-msbuild-node"))
        {
            return Xunit.MicrosoftTestingPlatform.TestPlatformTestFramework
                .RunAsync(args, SelfRegisteredExtensions.AddSelfRegisteredExtensions).GetAwaiter().GetResult();
        }
        return Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args).GetAwaiter().GetResult();
    }
}

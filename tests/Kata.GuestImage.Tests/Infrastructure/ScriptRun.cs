using System.Diagnostics;

namespace Kata.GuestImage.Tests.Infrastructure;

/// <summary>Runs a script or tool to completion, with its combined output for assertion messages.</summary>
public sealed record ScriptRun(int ExitCode, string Output)
{
    public static async Task<ScriptRun> RunAsync(string program, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return new ScriptRun(process.ExitCode, await stdout + await stderr);
    }
}

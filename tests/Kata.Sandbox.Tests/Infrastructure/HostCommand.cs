using System.Diagnostics;

namespace Kata.Sandbox.Tests.Infrastructure;

/// <summary>Runs a host tool a test needs for its setup (mount, losetup, mknod, chown) and fails the test loudly if it fails.</summary>
public static class HostCommand
{
    public static string Run(string program, params string[] arguments)
    {
        (int code, string output) = TryRun(program, arguments);
        return code == 0 ? output : throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({code}): {output}");
    }

    public static (int Code, string Output) TryRun(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(info)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, (output + error.Result).Trim());
    }

    public static bool IsRoot => Environment.UserName == "root";
}

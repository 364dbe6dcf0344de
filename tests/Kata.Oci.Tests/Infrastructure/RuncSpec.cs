using System.Diagnostics;

namespace Kata.Oci.Tests.Infrastructure;

/// <summary>The real <c>config.json</c> that <c>runc spec</c> writes, generated on the spot (the peer we must read).</summary>
public static class RuncSpec
{
    public const string RuncPath = "/usr/sbin/runc";

    /// <summary>Runs <c>runc spec</c> in a scratch directory and returns the file, or skips the test when runc is absent.</summary>
    public static string Generate()
    {
        if (!File.Exists(RuncPath))
        {
            Assert.Skip($"{RuncPath} is not installed: cannot compare with the real runc spec output");
        }

        using var dir = new TempDirectory();
        var start = new ProcessStartInfo(RuncPath) { WorkingDirectory = dir.Path, RedirectStandardError = true };
        start.ArgumentList.Add("spec");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("runc did not start");
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"runc spec failed with {process.ExitCode}: {stderr}");
        return File.ReadAllText(Path.Combine(dir.Path, "config.json"));
    }
}

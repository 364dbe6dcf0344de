using System.Security.Cryptography;
using Kata.GuestImage.Tests.Infrastructure;

namespace Kata.GuestImage.Tests;

/// <summary>guest-image/build-initramfs.sh run for real: same inputs, same bytes; unchanged inputs, no work.</summary>
public class InitramfsReproducibilityTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("kata-initramfs-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public async Task TwoBuildsFromTheSameInputsAreByteIdentical()
    {
        string first = Path.Combine(_scratch, "first"), second = Path.Combine(_scratch, "second");
        await BuildAsync(first);
        // A different wall clock between the builds must not matter: only SOURCE_DATE_EPOCH does.
        await Task.Delay(TimeSpan.FromSeconds(1.1), TestContext.Current.CancellationToken);
        await BuildAsync(second);

        Assert.Equal(Hash(Path.Combine(first, "initramfs.cpio.gz")), Hash(Path.Combine(second, "initramfs.cpio.gz")));
        Assert.Equal(File.ReadAllText(Path.Combine(first, "manifest.json")), File.ReadAllText(Path.Combine(second, "manifest.json")));
    }

    [Fact]
    public async Task AnotherEpochChangesTheBytes_AndAnUnchangedInputIsACacheHit()
    {
        string dir = Path.Combine(_scratch, "epoch");
        await BuildAsync(dir, epoch: "0");
        string atZero = Hash(Path.Combine(dir, "initramfs.cpio.gz"));

        ScriptRun again = await BuildAsync(dir, epoch: "0");
        Assert.Contains("initramfs cached", again.Output);

        await BuildAsync(dir, epoch: "1700000000");
        Assert.NotEqual(atZero, Hash(Path.Combine(dir, "initramfs.cpio.gz")));
        Assert.All(CpioArchive.ReadGzip(Path.Combine(dir, "initramfs.cpio.gz")), e => Assert.Equal(1700000000u, e.MTime));
    }

    [Fact]
    public async Task AMissingAgentIsAClearError()
    {
        ScriptRun run = await ScriptRun.RunAsync(GuestImageFiles.BuildScript, [Path.Combine(_scratch, "no-agent"), Path.Combine(_scratch, "out")]);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no-agent not found", run.Output);
        Assert.False(File.Exists(Path.Combine(_scratch, "out", "initramfs.cpio.gz")));
    }

    private static async Task<ScriptRun> BuildAsync(string outDir, string epoch = "0")
    {
        ScriptRun run = await ScriptRun.RunAsync(GuestImageFiles.BuildScript, [GuestImageFiles.Agent, outDir],
            new Dictionary<string, string> { ["SOURCE_DATE_EPOCH"] = epoch });
        Assert.True(run.ExitCode == 0, $"build-initramfs.sh failed ({run.ExitCode}):\n{run.Output}");
        return run;
    }

    private static string Hash(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}

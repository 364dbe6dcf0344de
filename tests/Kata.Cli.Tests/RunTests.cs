using Kata.Cli.Tests.Infrastructure;

namespace Kata.Cli.Tests;

/// <summary>`run` in the foreground and detached: the container's stdio and exit status, and a clean state afterwards.</summary>
public sealed class RunTests : IDisposable
{
    private readonly KataStyle _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public async Task Run_exits_with_the_containers_status_and_carries_its_stdio(int code)
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "run", ["sh", "-c", $"echo out; echo err >&2; cat; exit {code}"]);
        string pidFile = Path.Combine(_cli.Scratch, "run.pid");

        CliResult run = await _cli.RunAsync(["run", "--bundle", bundle, "--pid-file", pidFile, "run"], stdin: "from stdin\n");

        Assert.Equal(code, run.ExitCode);
        Assert.Equal("out\nfrom stdin\n", run.Stdout);
        Assert.Equal("err\n", run.Stderr);
        int pid = int.Parse(File.ReadAllText(pidFile));
        Leftovers.AssertNone(_cli, "run", pid);
    }

    [Fact]
    public async Task Run_reports_a_signal_death_as_128_plus_the_signal()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "sig", ["sleep", "600"]);

        Task<CliResult> run = _cli.RunAsync("run", "--bundle", bundle, "sig");
        while (!File.Exists(Path.Combine(_cli.Root, "sig", "record.json"))
            || (await _cli.RunAsync("state", "sig")).Stdout.Contains("\"running\"", StringComparison.Ordinal) is false)
        {
            if (run.IsCompleted)
            {
                Assert.Fail($"run ended before it was killed: {(await run).Stderr}");
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        (await _cli.RunAsync("kill", "sig", "KILL")).Succeeded();

        Assert.Equal(137, (await run).ExitCode);
        Leftovers.AssertNone(_cli, "sig");
    }

    [Fact]
    public async Task Run_detached_keeps_the_container_running_with_the_stdio_it_was_given()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "det", ["sh", "-c", "echo started; exec sleep 600"]);
        // As `create`: the container keeps run's stdout, here a file.
        (await _cli.RunHandingOverStdioAsync("det", ["run", "-d", "--bundle", bundle, "det"])).Succeeded();
        string output = Path.Combine(_cli.Scratch, "det.out");

        ContainerStateJson state = await ContainerStateJson.OfAsync(_cli, "det");
        Assert.Equal("running", state.Status);
        DateTime giveUp = DateTime.UtcNow.AddSeconds(30);
        while (!File.ReadAllText(output).Contains("started", StringComparison.Ordinal) && DateTime.UtcNow < giveUp)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        Assert.Equal("started\n", File.ReadAllText(output));
        (await _cli.RunAsync("delete", "--force", "det")).Succeeded();
        Leftovers.AssertNone(_cli, "det", state.Pid);
    }
}

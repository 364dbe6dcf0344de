using Kata.Agent.Protocol;
using Kata.Sandbox.Tests.Infrastructure;
using Serilog;

namespace Kata.Sandbox.Tests;

/// <summary>The `process` sandbox with the real agent, started as a host process.</summary>
public class ProcessSandboxTests
{
    private static readonly ILogger Log = new LoggerConfiguration().CreateLogger();

    private static SandboxOptions Options(ScratchDirectory scratch, CommandPrefix? agent = null) => new()
    {
        Id = "pod1",
        StateDirectory = Path.Combine(scratch.Path, "pod1"),
        Kind = SandboxKind.Process,
        Agent = agent ?? Executables.Agent,
        AgentTimeout = TimeSpan.FromSeconds(60),
    };

    [Fact]
    public async Task Start_ReturnsWhenTheAgentAnswers_AndStopEndsIt()
    {
        using var scratch = new ScratchDirectory();
        await using ISandbox sandbox = SandboxFactory.Create(Options(scratch), Log);

        await sandbox.StartAsync(TestContext.Current.CancellationToken);
        GuestDetailsResponse details = await sandbox.Connection.Agent.GetGuestDetailsAsync(new GuestDetailsRequest(),
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.False(details.IsVmGuest);
        Assert.False(sandbox.Ended.IsCompleted);

        await sandbox.StopAsync(TimeSpan.FromSeconds(10));

        Assert.StartsWith("stopped", await sandbox.Ended, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(scratch.Path, "pod1", "agent.sock")) && CanConnect(Path.Combine(scratch.Path, "pod1", "agent.sock")));
    }

    [Fact]
    public async Task AgentKilled_EndsTheSandboxWithTheReason()
    {
        using var scratch = new ScratchDirectory();
        await using var sandbox = new ProcessSandbox(Options(scratch), Log);
        await sandbox.StartAsync(TestContext.Current.CancellationToken);
        int agentPid = int.Parse(File.ReadLines(Path.Combine(scratch.Path, "pod1", "agent.log"))
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"\(pid (\d+),"))
            .First(m => m.Success).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

        System.Diagnostics.Process.GetProcessById(agentPid).Kill();
        string reason = await sandbox.Ended.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Contains("exited with code", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentThatExitsAtOnce_IsAClearErrorQuotingItsOutput()
    {
        using var scratch = new ScratchDirectory();
        var fakeAgent = CommandPrefix.Of("/bin/sh", "-c", "echo 'agent: cannot start: boom' >&2; exit 3", "sh");
        await using var sandbox = new ProcessSandbox(Options(scratch, fakeAgent), Log);

        var error = await Assert.ThrowsAsync<SandboxStartException>(() => sandbox.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("exited before the agent answered", error.Message, StringComparison.Ordinal);
        Assert.Contains("cannot start: boom", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentThatNeverAnswers_TimesOutAndIsStopped()
    {
        using var scratch = new ScratchDirectory();
        string marker = Path.Combine(scratch.Path, "still-running");
        var silent = CommandPrefix.Of("/bin/sh", "-c", $"touch {marker}; exec sleep 300", "sh");
        await using var sandbox = new ProcessSandbox(Options(scratch, silent) with { AgentTimeout = TimeSpan.FromSeconds(2) }, Log);

        var error = await Assert.ThrowsAsync<SandboxStartException>(() => sandbox.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("did not answer its health check within 2 s", error.Message, StringComparison.Ordinal);
        Assert.Contains("exited with code", await sandbox.Ended.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingAgentExecutable_IsAClearError()
    {
        using var scratch = new ScratchDirectory();
        await using var sandbox = new ProcessSandbox(Options(scratch, CommandPrefix.Of("/nonexistent/kata-style-agent")), Log);

        var error = await Assert.ThrowsAsync<SandboxStartException>(() => sandbox.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("/nonexistent/kata-style-agent", error.Message, StringComparison.Ordinal);
    }

    private static bool CanConnect(string path)
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, 0);
        try
        {
            socket.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}

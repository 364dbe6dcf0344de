using System.Diagnostics;
using System.Text.Json;
using Kata.Cli.Tests.Infrastructure;

namespace Kata.Cli.Tests;

/// <summary>A crash of any process between steps still yields a true state, and `delete` cleans up after it.</summary>
public sealed class RecoveryTests : IDisposable
{
    private readonly KataStyle _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task A_dead_sandbox_reads_as_stopped_and_delete_cleans_up()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "crash", ["sleep", "600"]);
        (await _cli.CreateAsync("crash", bundle)).Succeeded();
        (await _cli.RunAsync("start", "crash")).Succeeded();
        int containerPid = (await ContainerStateJson.OfAsync(_cli, "crash")).Pid;
        using JsonDocument monitor = JsonDocument.Parse(File.ReadAllText(Path.Combine(_cli.Root, "crash", "monitor.json")));
        int monitorPid = monitor.RootElement.GetProperty("pid").GetInt32();

        // SIGKILL the monitor alone (not its group): the agent and the container survive it, orphaned.
        Process.GetProcessById(monitorPid).Kill(entireProcessTree: false);
        while (Leftovers.IsAlive(monitorPid))
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        ContainerStateJson state = await ContainerStateJson.OfAsync(_cli, "crash");
        Assert.Equal(("stopped", 0), (state.Status, state.Pid));
        (await _cli.RunAsync("delete", "crash")).Succeeded();
        Leftovers.AssertNone(_cli, "crash", containerPid);
    }

    [Fact]
    public async Task A_half_created_container_is_removed_by_delete()
    {
        // What a `create` that crashed right after mkdir leaves: a directory with a lock and no record.
        string directory = Path.Combine(_cli.Root, "half");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "lock"), "");

        (await _cli.RunAsync("state", "half")).Failed("container half does not exist");
        Assert.DoesNotContain("half", (await _cli.RunAsync("list", "-q")).Succeeded().Stdout);
        (await _cli.RunAsync("delete", "half")).Succeeded();

        Leftovers.AssertNone(_cli, "half");
    }

    [Fact]
    public async Task A_record_whose_creator_died_before_the_monitor_started_reads_as_stopped()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "orphan", ["true"]);
        string directory = Path.Combine(_cli.Root, "orphan");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "lock"), "");
        // A creator pid that cannot be alive (start time 1 never matches a real process's).
        File.WriteAllText(Path.Combine(directory, "record.json"),
            $"{{\"id\":\"orphan\",\"bundle\":\"{bundle}\",\"sandbox\":\"Process\",\"created\":\"2026-01-01T00:00:00Z\",\"creatorPid\":{Environment.ProcessId},\"creatorStartTime\":1}}");

        Assert.Equal("stopped", (await ContainerStateJson.OfAsync(_cli, "orphan")).Status);
        (await _cli.RunAsync("delete", "orphan")).Succeeded();

        Leftovers.AssertNone(_cli, "orphan");
    }
}

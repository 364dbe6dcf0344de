using Kata.Cli.Tests.Infrastructure;

namespace Kata.Cli.Tests;

/// <summary>Many containers at once, and two commands racing on one container (the per-container flock).</summary>
public sealed class ConcurrencyTests : IDisposable
{
    private const int Count = 20;
    private readonly KataStyle _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Twenty_containers_are_created_and_started_at_once()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "many", ["sleep", "600"]);
        string[] ids = Enumerable.Range(0, Count).Select(i => $"many-{i:00}").ToArray();

        CliResult[] created = await Task.WhenAll(ids.Select(id => _cli.CreateAsync(id, bundle)));
        Assert.All(created, result => result.Succeeded());
        CliResult[] started = await Task.WhenAll(ids.Select(id => _cli.RunAsync("start", id)));
        Assert.All(started, result => result.Succeeded());

        ContainerStateJson[] states = await Task.WhenAll(ids.Select(id => ContainerStateJson.OfAsync(_cli, id)));
        Assert.All(states, state => Assert.Equal("running", state.Status));
        Assert.Equal(Count, states.Select(state => state.Pid).Distinct().Count());
        Assert.Equal(ids, (await _cli.RunAsync("list", "-q")).Succeeded().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        CliResult[] deleted = await Task.WhenAll(ids.Select(id => _cli.RunAsync("delete", "--force", id)));
        Assert.All(deleted, result => result.Succeeded());
        for (int i = 0; i < Count; i++)
        {
            Leftovers.AssertNone(_cli, ids[i], states[i].Pid);
        }
    }

    [Fact]
    public async Task Two_starts_at_once_start_the_container_exactly_once()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "race", ["sleep", "600"]);
        (await _cli.CreateAsync("race", bundle)).Succeeded();

        CliResult[] starts = await Task.WhenAll(_cli.RunAsync("start", "race"), _cli.RunAsync("start", "race"));

        Assert.Single(starts, result => result.ExitCode == 0);
        Assert.Single(starts, result => result.ExitCode != 0 && result.Stderr.Contains("it has already been started", StringComparison.Ordinal));
        Assert.Equal("running", (await ContainerStateJson.OfAsync(_cli, "race")).Status);

        CliResult[] deletes = await Task.WhenAll(_cli.RunAsync("delete", "--force", "race"), _cli.RunAsync("delete", "--force", "race"));
        Assert.Single(deletes, result => result.ExitCode == 0);
        Assert.Single(deletes, result => result.Stderr.Contains("container race does not exist", StringComparison.Ordinal));
        Leftovers.AssertNone(_cli, "race");
    }
}

using System.Text.Json;
using Kata.Cli.Tests.Infrastructure;

namespace Kata.Cli.Tests;

/// <summary>create → start → kill → delete with the `process` sandbox: the OCI state at every step, list, ps, pid file.</summary>
public sealed class LifecycleTests : IDisposable
{
    /// <summary>The init of a pid namespace ignores signals it has no handler for (pid_namespaces(7)), so TERM needs a trap.</summary>
    private static readonly string[] s_terminable = ["sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"];
    private readonly KataStyle _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Lifecycle_reports_the_state_at_each_step_and_leaves_nothing()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "life", s_terminable,
            annotations: new Dictionary<string, string> { ["org.example.purpose"] = "lifecycle" });
        string pidFile = Path.Combine(_cli.Scratch, "life.pid");

        (await _cli.CreateAsync("life", bundle, "--pid-file", pidFile)).Succeeded();
        ContainerStateJson created = await ContainerStateJson.OfAsync(_cli, "life");
        Assert.Equal(("1.2.0", "life", "created", bundle), (created.OciVersion, created.Id, created.Status, created.Bundle));
        Assert.True(created.Pid > 0);
        Assert.Equal("lifecycle", created.Annotations["org.example.purpose"]);
        Assert.Equal(created.Pid.ToString(), File.ReadAllText(pidFile));
        Assert.True(Leftovers.IsAlive(created.Pid));

        (await _cli.RunAsync("start", "life")).Succeeded();
        ContainerStateJson running = await ContainerStateJson.OfAsync(_cli, "life");
        Assert.Equal(("running", created.Pid), (running.Status, running.Pid));
        (await _cli.RunAsync("start", "life")).Failed("it has already been started");

        CliResult ps = (await _cli.RunAsync("ps", "life")).Succeeded();
        Assert.Contains($"{created.Pid}", ps.Stdout);
        Assert.Contains("sleep 600", ps.Stdout);
        CliResult psJson = (await _cli.RunAsync("ps", "--format", "json", "life")).Succeeded();
        Assert.Contains((uint)created.Pid, JsonSerializer.Deserialize<uint[]>(psJson.Stdout)!);

        (await _cli.RunAsync("delete", "life")).Failed("container life is running: stop it first or use --force");

        (await _cli.RunAsync("kill", "life", "SIGTERM")).Succeeded();
        ContainerStateJson stopped = await ContainerStateJson.WaitForAsync(_cli, "life", "stopped");
        Assert.Equal(0, stopped.Pid);
        Assert.Equal(bundle, stopped.Bundle);
        (await _cli.RunAsync("kill", "life", "KILL")).Failed("container life is stopped");
        (await _cli.RunAsync("start", "life")).Failed("a container runs only once");

        (await _cli.RunAsync("delete", "life")).Succeeded();
        (await _cli.RunAsync("state", "life")).Failed("container life does not exist");
        Leftovers.AssertNone(_cli, "life", created.Pid);
    }

    [Theory]
    [InlineData("9")]
    [InlineData("TERM")]
    public async Task Kill_accepts_names_and_numbers(string signal)
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "k", s_terminable);
        (await _cli.CreateAsync("k", bundle)).Succeeded();
        (await _cli.RunAsync("start", "k")).Succeeded();
        int pid = (await ContainerStateJson.OfAsync(_cli, "k")).Pid;

        (await _cli.RunAsync("kill", "k", signal)).Succeeded();

        await ContainerStateJson.WaitForAsync(_cli, "k", "stopped");
        Assert.False(Leftovers.IsAlive(pid));
        (await _cli.RunAsync("delete", "k")).Succeeded();
        Leftovers.AssertNone(_cli, "k", pid);
    }

    [Fact]
    public async Task Kill_all_signals_every_process_and_a_bad_signal_is_refused()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "all", ["sh", "-c", "sleep 600 & sleep 600 & wait"]);
        (await _cli.CreateAsync("all", bundle)).Succeeded();
        (await _cli.RunAsync("start", "all")).Succeeded();

        (await _cli.RunAsync("kill", "all", "SIGNOPE")).Failed("unknown signal \"SIGNOPE\"");
        (await _cli.RunAsync("kill", "all", "65")).Failed("numbers go from 1 to 64");
        (await _cli.RunAsync("kill", "--all", "all", "KILL")).Succeeded();

        await ContainerStateJson.WaitForAsync(_cli, "all", "stopped");
        (await _cli.RunAsync("delete", "all")).Succeeded();
        Leftovers.AssertNone(_cli, "all");
    }

    [Fact]
    public async Task Delete_force_removes_a_running_container()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "force", ["sleep", "600"]);
        (await _cli.CreateAsync("force", bundle)).Succeeded();
        (await _cli.RunAsync("start", "force")).Succeeded();
        int pid = (await ContainerStateJson.OfAsync(_cli, "force")).Pid;

        (await _cli.RunAsync("delete", "--force", "force")).Succeeded();

        Leftovers.AssertNone(_cli, "force", pid);
    }

    [Fact]
    public async Task Delete_force_removes_a_created_container_that_never_started()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "never", ["sleep", "600"]);
        (await _cli.CreateAsync("never", bundle)).Succeeded();
        int pid = (await ContainerStateJson.OfAsync(_cli, "never")).Pid;
        (await _cli.RunAsync("delete", "never")).Failed("kill it first or use --force");

        (await _cli.RunAsync("delete", "-f", "never")).Succeeded();

        Leftovers.AssertNone(_cli, "never", pid);
    }

    [Fact]
    public async Task List_prints_a_table_json_and_ids()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "l", ["sleep", "600"]);
        (await _cli.CreateAsync("list-a", bundle)).Succeeded();
        (await _cli.CreateAsync("list-b", bundle)).Succeeded();
        (await _cli.RunAsync("start", "list-b")).Succeeded();

        string[] table = (await _cli.RunAsync("list")).Succeeded().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"], table[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(3, table.Length);
        string[] first = table[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string[] second = table[2].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(("list-a", "created", bundle), (first[0], first[2], first[3]));
        Assert.Equal(("list-b", "running", bundle), (second[0], second[2], second[3]));

        using JsonDocument json = JsonDocument.Parse((await _cli.RunAsync("list", "--format", "json")).Succeeded().Stdout);
        JsonElement[] entries = json.RootElement.EnumerateArray().ToArray();
        Assert.Equal(["list-a", "list-b"], entries.Select(e => e.GetProperty("id").GetString()));
        Assert.Equal(["created", "running"], entries.Select(e => e.GetProperty("status").GetString()));
        Assert.All(entries, e => Assert.Equal(bundle, e.GetProperty("bundle").GetString()));
        Assert.All(entries, e => Assert.True(e.GetProperty("pid").GetInt32() > 0));

        Assert.Equal("list-a\nlist-b\n", (await _cli.RunAsync("list", "-q")).Succeeded().Stdout);
        (await _cli.RunAsync("list", "--format", "yaml")).Failed("yaml");

        (await _cli.RunAsync("delete", "--force", "list-a")).Succeeded();
        (await _cli.RunAsync("delete", "--force", "list-b")).Succeeded();
        Assert.Equal("", (await _cli.RunAsync("list", "-q")).Succeeded().Stdout);
        Leftovers.AssertNone(_cli, "list-a");
        Leftovers.AssertNone(_cli, "list-b");
    }

    [Fact]
    public async Task Pause_resume_events_and_update_act_on_a_running_container()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "pr", ["sleep", "600"]);
        (await _cli.CreateAsync("pr", bundle)).Succeeded();
        (await _cli.RunAsync("start", "pr")).Succeeded();
        (await _cli.RunAsync("resume", "pr")).Failed("it is not paused");
        (await _cli.RunAsync("update", "pr")).Failed("nothing to change");

        CliResult stats = await _cli.RunAsync("events", "--stats", "pr");
        if (!stats.AgentLacksFeature)
        {
            using JsonDocument document = JsonDocument.Parse(stats.Succeeded().Stdout);
            Assert.Equal("stats", document.RootElement.GetProperty("type").GetString());
            Assert.Equal("pr", document.RootElement.GetProperty("id").GetString());
            Assert.True(document.RootElement.GetProperty("data").GetProperty("pids").GetProperty("current").GetInt64() >= 1);
        }
        CliResult update = await _cli.RunAsync("update", "--pids-limit", "100", "--memory", "67108864", "pr");
        CliResult pause = await _cli.RunAsync("pause", "pr");
        if (pause.AgentLacksFeature || update.AgentLacksFeature || stats.AgentLacksFeature)
        {
            (await _cli.RunAsync("delete", "--force", "pr")).Succeeded();
            pause.SucceededOrSkipUnimplemented();
            update.SucceededOrSkipUnimplemented();
            stats.SucceededOrSkipUnimplemented();
        }
        update.Succeeded();
        pause.Succeeded();
        Assert.Equal("paused", (await ContainerStateJson.OfAsync(_cli, "pr")).Status);
        (await _cli.RunAsync("pause", "pr")).Failed("it is already paused");
        (await _cli.RunAsync("resume", "pr")).Succeeded();
        Assert.Equal("running", (await ContainerStateJson.OfAsync(_cli, "pr")).Status);
        (await _cli.RunAsync("delete", "--force", "pr")).Succeeded();
        Leftovers.AssertNone(_cli, "pr");
    }
}

using System.Text.Json.Nodes;
using Kata.Cli.Tests.Infrastructure;

namespace Kata.Cli.Tests;

/// <summary>`exec` into a running container: flags, --process, exit status, -d, a pid file, and a terminal.</summary>
public sealed class ExecTests : IDisposable
{
    private readonly KataStyle _cli = new();

    public void Dispose() => _cli.Dispose();

    private async Task<string> StartAsync(string id)
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, id, ["sleep", "600"]);
        (await _cli.CreateAsync(id, bundle)).Succeeded();
        (await _cli.RunAsync("start", id)).Succeeded();
        return bundle;
    }

    [Fact]
    public async Task Exec_runs_a_command_with_env_cwd_and_user_and_returns_its_status()
    {
        await StartAsync("ex");
        string pidFile = Path.Combine(_cli.Scratch, "exec.pid");

        CliResult exec = await _cli.RunAsync(["exec", "--env", "GREETING=hello", "--cwd", "/bin", "--user", "0:0", "--pid-file", pidFile,
            "ex", "sh", "-c", "echo $GREETING; pwd; id -u; cat; echo oops >&2; exit 4"], stdin: "typed\n");

        Assert.Equal(4, exec.ExitCode);
        Assert.Equal("hello\n/bin\n0\ntyped\n", exec.Stdout);
        Assert.Equal("oops\n", exec.Stderr);
        Assert.True(int.Parse(File.ReadAllText(pidFile)) > 0);
        (await _cli.RunAsync("exec", "ex")).Failed("exec needs a command");
        (await _cli.RunAsync("exec", "--env", "NOEQUALS", "ex", "true")).Failed("--env NOEQUALS: expected KEY=VALUE");
        (await _cli.RunAsync("exec", "--user", "root", "ex", "true")).Failed("--user root: expected UID or UID:GID");
        (await _cli.RunAsync("delete", "--force", "ex")).Succeeded();
        Leftovers.AssertNone(_cli, "ex");
    }

    [Fact]
    public async Task Exec_with_a_process_file_and_detached()
    {
        await StartAsync("exp");
        string processFile = Path.Combine(_cli.Scratch, "process.json");
        File.WriteAllText(processFile, new JsonObject
        {
            ["args"] = new JsonArray("sh", "-c", "echo from-process-json"),
            ["cwd"] = "/",
            ["user"] = new JsonObject { ["uid"] = 0, ["gid"] = 0 },
        }.ToJsonString());

        CliResult exec = (await _cli.RunAsync("exec", "--process", processFile, "exp")).Succeeded();
        Assert.Equal("from-process-json\n", exec.Stdout);

        File.WriteAllText(processFile, "{\"args\": [], \"cwd\": \"/\"}");
        (await _cli.RunAsync("exec", "--process", processFile, "exp")).Failed("args: must not be empty");

        string pidFile = Path.Combine(_cli.Scratch, "detached.pid");
        (await _cli.RunHandingOverStdioAsync("exec-d", ["exec", "-d", "--pid-file", pidFile, "exp", "sleep", "300"])).Succeeded();
        int pid = int.Parse(File.ReadAllText(pidFile));
        Assert.True(Leftovers.IsAlive(pid));
        Assert.Contains($"{pid}", (await _cli.RunAsync("ps", "exp")).Succeeded().Stdout);

        (await _cli.RunAsync("delete", "--force", "exp")).Succeeded();
        Leftovers.AssertNone(_cli, "exp", pid);
    }

    [Fact]
    public async Task Exec_is_refused_unless_the_container_runs()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "exc", ["sleep", "600"]);
        (await _cli.CreateAsync("exc", bundle)).Succeeded();

        (await _cli.RunAsync("exec", "exc", "true")).Failed("container exc is created: exec needs a running container");

        (await _cli.RunAsync("delete", "--force", "exc")).Succeeded();
        Leftovers.AssertNone(_cli, "exc");
    }

    [Fact]
    public async Task Exec_with_a_tty_gives_the_process_a_terminal()
    {
        await StartAsync("tty");

        CliResult exec = await _cli.RunAsync("exec", "--tty", "tty", "sh", "-c", "test -t 0 && test -t 1 && echo is-a-tty");

        if (exec.AgentLacksFeature)
        {
            (await _cli.RunAsync("delete", "--force", "tty")).Succeeded();
            exec.SucceededOrSkipUnimplemented();
        }
        exec.Succeeded();
        Assert.Contains("is-a-tty", exec.Stdout);
        Assert.Equal("", exec.Stderr);
        (await _cli.RunAsync("delete", "--force", "tty")).Succeeded();
        Leftovers.AssertNone(_cli, "tty");
    }
}

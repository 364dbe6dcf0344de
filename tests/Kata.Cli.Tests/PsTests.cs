using System.Text.Json;
using Kata.Cli;
using Kata.Cli.Commands;
using Kata.Cli.Tests.Infrastructure;

namespace Kata.Cli.Tests;

/// <summary>`ps` as `runc ps`: ps(1)'s table filtered to the container's pids, `-- ARGS` for ps, json pids, clear errors.</summary>
public sealed class PsTests : IDisposable
{
    private readonly KataStyle _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Ps_prints_runcs_columns_for_the_containers_processes_only_and_passes_arguments_to_ps()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "pst", ["sh", "-c", "sleep 600 & wait"]);
        (await _cli.CreateAsync("pst", bundle)).Succeeded();
        (await _cli.RunAsync("start", "pst")).Succeeded();
        uint[] pids = await WaitForPidsAsync("pst", 2);

        string[] table = Lines((await _cli.RunAsync("ps", "pst")).Succeeded().Stdout);
        Assert.Equal(["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"], Fields(table[0]));
        Assert.Equal(pids.Order(), table.Skip(1).Select(line => uint.Parse(Fields(line)[1])).Order());
        Assert.Contains(table, line => line.EndsWith("sleep 600", StringComparison.Ordinal));

        string[] custom = Lines((await _cli.RunAsync("ps", "pst", "--", "-o", "pid,comm")).Succeeded().Stdout);
        Assert.Equal(["PID", "COMMAND"], Fields(custom[0]));
        Assert.Equal(pids.Order(), custom.Skip(1).Select(line => uint.Parse(Fields(line)[0])).Order());
        Assert.Contains(custom, line => Fields(line)[^1] == "sleep");

        (await _cli.RunAsync("ps", "pst", "--", "-o", "comm")).Failed("ps printed no PID column");
        (await _cli.RunAsync("ps", "pst", "--", "--no-such-ps-option")).Failed("ps --no-such-ps-option failed");
        (await _cli.RunAsync("ps", "--format", "json", "pst", "--", "-ef")).Failed("apply to the table format only");

        (await _cli.RunAsync("delete", "--force", "pst")).Succeeded();
        (await _cli.RunAsync("ps", "pst")).Failed("container pst does not exist");
        Leftovers.AssertNone(_cli, "pst", (int)pids[0]);
    }

    [Fact]
    public void Filter_keeps_the_header_and_the_lines_whose_pid_column_matches()
    {
        const string output = "UID          PID    PPID  C STIME TTY          TIME CMD\n" +
            "root           1       0  0 Nov28 ?        00:00:01 /sbin/init\n" +
            "root          42       1  0 06:00 ?        00:00:00 sleep 600\n" +
            "root         421      42  0 06:00 ?        00:00:00 sh -c 42\n" +
            "garbage\n\n";

        string[] kept = [.. PsOutputFilter.Filter(output, new HashSet<uint> { 42, 7 })];

        Assert.Equal(["UID          PID    PPID  C STIME TTY          TIME CMD", "root          42       1  0 06:00 ?        00:00:00 sleep 600"], kept);
    }

    [Fact]
    public void Filter_refuses_output_without_a_pid_column()
    {
        var error = Assert.Throws<CliException>(() => PsOutputFilter.Filter("COMMAND\nsleep\n", new HashSet<uint> { 1 }).ToList());
        Assert.Contains("no PID column (header: \"COMMAND\")", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The container's pids once there are <paramref name="count"/> (its shell forks the sleep after `start` returned).</summary>
    private async Task<uint[]> WaitForPidsAsync(string id, int count)
    {
        for (int attempt = 0; ; attempt++)
        {
            uint[] pids = JsonSerializer.Deserialize<uint[]>((await _cli.RunAsync("ps", "--format", "json", id)).Succeeded().Stdout)!;
            if (pids.Length == count || attempt == 100)
            {
                Assert.Equal(count, pids.Length);
                return pids;
            }
            await Task.Delay(50);
        }
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static string[] Fields(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

using Kata.Shim.Tests.Infrastructure;

namespace Kata.Shim.Tests.Containerd;

/// <summary>
/// `ctr run --tty` and `ctr task exec --tty` through the shim and a real containerd (`process` sandbox). ctr wants a
/// terminal on its own stdio, so it runs under util-linux `script` (a fresh pty; `stty` sets that pty's size first, and
/// ctr sends it to the task with ResizePty once it started, which the shim turns into the agent's TtyWinResize).
/// </summary>
public sealed class ContainerdTerminalTests : IClassFixture<ContainerdFixture>
{
    /// <summary>Waits for ctr's ResizePty (ctr sends the size only after Start; until then the pty is 0x0, where busybox
    /// `stty size` prints nothing but an error, and still exits 0), then shows it.</summary>
    private const string WaitForSize = "until [ -n \"$(stty size 2>/dev/null)\" ]; do :; done; stty size";

    private readonly ContainerdFixture _containerd;

    public ContainerdTerminalTests(ContainerdFixture containerd)
    {
        _containerd = containerd;
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    /// <summary>Runs ctr on a pty of <paramref name="rows"/>x<paramref name="columns"/>; the result's output is what the pty showed.</summary>
    private async Task<ProcessRunner.Result> CtrOnTerminalAsync(ushort rows, ushort columns, params string[] arguments)
    {
        if (!File.Exists("/usr/bin/script"))
        {
            Assert.Skip("/usr/bin/script is missing (Debian package bsdutils): ctr --tty needs a terminal");
        }
        string ctr = Executables.FindOnPath("ctr")!;
        string command = $"stty rows {rows} cols {columns}; exec {Quote(ctr)} --address {Quote(_containerd.Address)} {string.Join(' ', arguments.Select(Quote))}";
        // -q: no banner, -e: ctr's exit status, -f: flush as it comes; the typescript goes nowhere.
        return await ProcessRunner.RunAsync("/usr/bin/script", ["-q", "-e", "-f", "-c", command, "/dev/null"], cancel: Cancel);
    }

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [Fact]
    public async Task Ctr_run_tty_rm_prints_the_output_on_a_terminal_of_the_clients_size()
    {
        _containerd.RequireContainerd();
        string id = NewId("tty");

        ProcessRunner.Result result = await CtrOnTerminalAsync(40, 100, "run", "--runtime", ContainerdFixture.Runtime, "--tty", "--rm",
            BusyboxImage.Reference, id, "sh", "-c", $"tty; {WaitForSize}; echo to-stderr >&2; echo tty-out; exit 3");

        Assert.True(result.ExitCode == 3, $"exit {result.ExitCode}:\n{result.Output}\n{_containerd.Log}");
        Assert.Matches(@"/dev/pts/\d+\r\n", result.Stdout);
        Assert.Contains("40 100\r\n", result.Stdout, StringComparison.Ordinal);
        // A terminal is one stream: what went to fd 2 came out on the terminal too.
        Assert.Contains("to-stderr\r\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("tty-out\r\n", result.Stdout, StringComparison.Ordinal);
        ProcessRunner.Result containers = await _containerd.CtrAsync(Cancel, "containers", "ls", "-q");
        Assert.DoesNotContain(id, containers.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ctr_task_exec_tty_gives_the_process_its_own_terminal()
    {
        _containerd.RequireContainerd();
        string id = NewId("exectty");
        ProcessRunner.Result started = await _containerd.CtrAsync(Cancel, "run", "-d", "--runtime", ContainerdFixture.Runtime, BusyboxImage.Reference, id, "sleep", "600");
        Assert.True(started.ExitCode == 0, $"ctr run -d exited {started.ExitCode}:\n{started.Output}\n{_containerd.Log}");
        try
        {
            ProcessRunner.Result exec = await CtrOnTerminalAsync(33, 77, "task", "exec", "--tty", "--exec-id", "t1", id,
                "sh", "-c", $"test -t 0 && test -t 1 && echo is-a-tty; tty; {WaitForSize}; exit 4");

            Assert.True(exec.ExitCode == 4, $"exec exited {exec.ExitCode}:\n{exec.Output}\n{_containerd.Log}");
            Assert.Contains("is-a-tty\r\n", exec.Stdout, StringComparison.Ordinal);
            Assert.Matches(@"/dev/pts/\d+\r\n", exec.Stdout);
            Assert.True(exec.Stdout.Contains("33 77\r\n", StringComparison.Ordinal), $"no 33 77 on the terminal:\n{exec.Stdout}\n{_containerd.Log}");
        }
        finally
        {
            // rm -f kills what still runs (SIGKILL) before it deletes the task.
            await _containerd.CtrAsync(Cancel, "task", "rm", "-f", id);
            await _containerd.CtrAsync(Cancel, "containers", "rm", id);
        }
    }
}

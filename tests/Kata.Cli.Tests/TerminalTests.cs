using System.Text;
using System.Text.RegularExpressions;
using Kata.Cli.Tests.Infrastructure;

namespace Kata.Cli.Tests;

/// <summary>
/// Terminals: --console-socket (the pty master reaches the socket's owner by SCM_RIGHTS and carries the container's
/// terminal, its input and its size), and `run`/`exec --tty` on the user's own terminal (raw while attached, restored
/// after, SIGWINCH forwarded).
/// </summary>
public sealed partial class TerminalTests : IDisposable
{
    /// <summary>termios c_lflag bits (asm-generic/termbits.h).</summary>
    private const uint Icanon = 0x2;
    private const uint Echo = 0x8;

    /// <summary>Prints its terminal's size, then once more per line it reads, until it reads "q" (exit 5).</summary>
    private static readonly string[] s_sizeReporter = ["sh", "-c", "stty size; while read line; do [ \"$line\" = q ] && exit 5; stty size; done"];

    private readonly KataStyle _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Create_hands_the_console_over_the_console_socket()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "console", ["sh", "-c", "test -t 1 && echo tty-ok; sleep 600"], terminal: true);
        using var listener = new ConsoleSocketListener(Path.Combine(_cli.Scratch, "console.sock"));
        Task<(string Name, Microsoft.Win32.SafeHandles.SafeFileHandle Master)> received = listener.ReceiveAsync();

        CliResult create = await _cli.CreateAsync("console", bundle, "--console-socket", listener.Path);
        if (create.AgentLacksFeature)
        {
            Leftovers.AssertNone(_cli, "console");
            create.SucceededOrSkipUnimplemented();
        }
        create.Succeeded();
        (string name, Microsoft.Win32.SafeHandles.SafeFileHandle master) = await received;
        Assert.StartsWith("/dev/pts/", name);
        (await _cli.RunAsync("start", "console")).Succeeded();

        using (master)
        await using (var console = new FileStream(master, FileAccess.Read, 1))
        {
            var text = new StringBuilder();
            byte[] buffer = new byte[256];
            while (!text.ToString().Contains("tty-ok", StringComparison.Ordinal))
            {
                int read = await console.ReadAsync(buffer, TestContext.Current.CancellationToken);
                Assert.True(read > 0, $"the console closed before the container wrote to it (got \"{text}\")");
                text.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
        }
        (await _cli.RunAsync("delete", "--force", "console")).Succeeded();
        Leftovers.AssertNone(_cli, "console");
    }

    [Fact]
    public async Task Console_socket_master_carries_input_and_its_resizes_reach_the_container()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "sized", s_sizeReporter, terminal: true);
        using var listener = new ConsoleSocketListener(Path.Combine(_cli.Scratch, "sized.sock"));
        Task<(string Name, Microsoft.Win32.SafeHandles.SafeFileHandle Master)> received = listener.ReceiveAsync();
        (await _cli.CreateAsync("sized", bundle, "--console-socket", listener.Path)).Succeeded();
        (_, Microsoft.Win32.SafeHandles.SafeFileHandle master) = await received;
        using var console = new TerminalTranscript(master);
        (await _cli.RunAsync("start", "sized")).Succeeded();

        // The master's holder never set a size: the container's terminal starts at 24x80. Lines end in "\n" alone:
        // the container's pty is -onlcr, as runc's, and the relay pty is raw, so the master reads what runc's gives.
        await console.WaitForAsync("24 80\n");
        console.Resize(50, 120);
        await TypeUntilSizeAsync(console, "50 120");
        console.Type("q\r");
        await console.WaitForHangupAsync();

        Assert.Contains("\"status\": \"stopped\"", (await _cli.RunAsync("state", "sized")).Succeeded().Stdout);
        (await _cli.RunAsync("delete", "sized")).Succeeded();
        Leftovers.AssertNone(_cli, "sized");
    }

    [Fact]
    public async Task Run_on_the_users_terminal_is_raw_while_attached_follows_resizes_and_restores_the_terminal()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "own", s_sizeReporter, terminal: true);
        using UserTerminal user = UserTerminal.Start(_cli, 30, 90, ["run", "--bundle", bundle, "own"]);

        await user.Transcript.WaitForAsync("30 90\r\n");
        user.Transcript.Resize(50, 120);
        await TypeUntilSizeAsync(user.Transcript, "50 120");
        uint attached = user.LocalModes();
        user.Transcript.Type("q\r");
        int status = await user.WaitForExitAsync();

        Assert.Equal(5, status);
        Assert.Equal(0u, attached & (Icanon | Echo));
        Assert.Equal(Icanon | Echo, user.LocalModes() & (Icanon | Echo));
        Assert.False(Directory.Exists(Path.Combine(_cli.Root, "own")), "run left its container behind");
    }

    [Fact]
    public async Task Exec_tty_on_the_users_terminal_follows_resizes_and_returns_the_status()
    {
        string bundle = await BusyboxBundle.CreateAsync(_cli, "host", ["sleep", "600"]);
        (await _cli.CreateAsync("host", bundle)).Succeeded();
        (await _cli.RunAsync("start", "host")).Succeeded();
        using UserTerminal user = UserTerminal.Start(_cli, 33, 77, ["exec", "--tty", "host", .. s_sizeReporter]);

        await user.Transcript.WaitForAsync("33 77\r\n");
        user.Transcript.Resize(60, 140);
        await TypeUntilSizeAsync(user.Transcript, "60 140");
        user.Transcript.Type("q\r");

        Assert.Equal(5, await user.WaitForExitAsync());
        Assert.Equal(Icanon | Echo, user.LocalModes() & (Icanon | Echo));
        (await _cli.RunAsync("delete", "--force", "host")).Succeeded();
        Leftovers.AssertNone(_cli, "host");
    }

    /// <summary>
    /// The resize and the typed line travel separately (TtyWinResize, WriteStdin), so one line may be answered with
    /// the old size: type a line, wait for its answer, until an answer shows <paramref name="size"/>.
    /// </summary>
    private static async Task TypeUntilSizeAsync(TerminalTranscript terminal, string size)
    {
        while (!SizeLine().Matches(terminal.Text).Any(line => line.Value.TrimEnd('\r') == size))
        {
            int answers = SizeLine().Count(terminal.Text);
            terminal.Type("\r");
            await terminal.WaitUntilAsync(text => SizeLine().Count(text) > answers, $"an answer to line {answers}");
        }
    }

    [GeneratedRegex(@"^\d+ \d+\r?$", RegexOptions.Multiline)]
    private static partial Regex SizeLine();
}

using System.Diagnostics;
using Kata.Cli.Interop;
using Kata.Cli.Terminal;

namespace Kata.Cli.Tests.Infrastructure;

/// <summary>
/// kata-style run by a user at a terminal: a fresh pty whose slave is the command's stdin, stdout, stderr and
/// controlling terminal (util-linux `setsid --ctty`, so SIGWINCH reaches it as it would in a terminal emulator), and
/// whose master the test reads, types into and resizes.
/// </summary>
public sealed class UserTerminal : IDisposable
{
    private readonly PseudoTerminal _pty;
    private readonly Process _process;

    private UserTerminal(PseudoTerminal pty, Process process)
    {
        _pty = pty;
        _process = process;
        Transcript = new TerminalTranscript(pty.Master);
    }

    public TerminalTranscript Transcript { get; }

    public static unsafe UserTerminal Start(KataStyle cli, ushort rows, ushort columns, IReadOnlyList<string> args)
    {
        if (!File.Exists("/usr/bin/setsid"))
        {
            Assert.Skip("/usr/bin/setsid is missing (Debian package util-linux)");
        }
        PseudoTerminal pty = PseudoTerminal.Open();
        var size = new WinSize { Rows = rows, Columns = columns };
        Assert.Equal(0, CliLibc.Ioctl((int)pty.Master.DangerousGetHandle(), CliLibc.Tiocswinsz, &size));
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec /usr/bin/setsid --wait --ctty \"$@\" <\"$KATA_TEST_TTY\" >\"$KATA_TEST_TTY\" 2>&1");
        info.ArgumentList.Add("sh");
        info.ArgumentList.Add(KataStyle.Dotnet);
        info.ArgumentList.Add(KataStyle.CliDll);
        foreach (string word in cli.Global.Concat(args))
        {
            info.ArgumentList.Add(word);
        }
        info.Environment["KATA_TEST_TTY"] = pty.SlaveName;
        return new UserTerminal(pty, Process.Start(info) ?? throw new InvalidOperationException("could not start kata-style"));
    }

    /// <summary>Waits for kata-style to exit; returns its exit status.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        guard.CancelAfter(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(guard.Token);
        return _process.ExitCode;
    }

    /// <summary>The terminal's local modes (termios c_lflag) as they are now.</summary>
    public unsafe uint LocalModes()
    {
        byte* termios = stackalloc byte[CliLibc.TermiosBytes + 64];
        Assert.Equal(0, CliLibc.Tcgetattr((int)_pty.Slave.DangerousGetHandle(), termios));
        return *(uint*)(termios + 12);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
        Transcript.Dispose();
        _pty.Slave.Dispose();
    }
}

using Kata.Cli.Interop;

namespace Kata.Cli.Terminal;

/// <summary>
/// The user's terminal in raw mode for as long as a container's terminal is attached to it, as `runc run`/`runc exec
/// -t` do (containerd/console SetRaw): the container's own pty echoes, edits and turns ^C into SIGINT, so ours must
/// pass every input byte through untouched, or input would be echoed twice and ^C would hit kata-style instead of the
/// container. Output processing (OPOST) stays on, as in SetRaw: the container's pty has -onlcr (as runc's), so this
/// terminal is the one that turns "\n" into "\r\n". Dispose restores the settings it found.
/// </summary>
public sealed unsafe class RawTerminal : IDisposable
{
    /// <summary>OPOST (asm-generic/termbits.h).</summary>
    private const uint OutputProcessing = 0x1;

    private readonly int _fd;
    private readonly byte[] _saved;
    private int _restored;

    private RawTerminal(int fd, byte[] saved)
    {
        _fd = fd;
        _saved = saved;
    }

    /// <summary>Puts <paramref name="fd"/> in raw mode when it is a terminal; null (and nothing changed) when it is not.</summary>
    public static RawTerminal? Enter(int fd)
    {
        if (CliLibc.IsATty(fd) != 1)
        {
            return null;
        }
        byte[] saved = new byte[CliLibc.TermiosBytes + 64];
        fixed (byte* termios = saved)
        {
            Errno.Check(CliLibc.Tcgetattr(fd, termios), $"tcgetattr fd {fd}");
        }
        byte[] raw = (byte[])saved.Clone();
        fixed (byte* termios = raw)
        {
            CliLibc.Cfmakeraw(termios);
            // struct termios (glibc): c_iflag, then c_oflag.
            *(uint*)(termios + 4) |= BitConverter.ToUInt32(saved, 4) & OutputProcessing;
            Errno.Check(CliLibc.Tcsetattr(fd, CliLibc.TcsaNow, termios), $"tcsetattr fd {fd}");
        }
        return new RawTerminal(fd, saved);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _restored, 1) != 0)
        {
            return;
        }
        fixed (byte* termios = _saved)
        {
            // TCSANOW as runc's console.Reset; a terminal that went away (hangup) has nothing left to restore.
            _ = CliLibc.Tcsetattr(_fd, CliLibc.TcsaNow, termios);
        }
    }
}

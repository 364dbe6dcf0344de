using System.Text;
using Kata.Cli.Interop;
using Microsoft.Win32.SafeHandles;

namespace Kata.Cli.Terminal;

/// <summary>A host pseudoterminal pair (pty(7): posix_openpt, grantpt, unlockpt, ptsname_r), both ends close-on-exec.</summary>
public sealed unsafe class PseudoTerminal : IDisposable
{
    private PseudoTerminal(SafeFileHandle master, SafeFileHandle slave, string slaveName)
    {
        Master = master;
        Slave = slave;
        SlaveName = slaveName;
    }

    public SafeFileHandle Master { get; }
    public SafeFileHandle Slave { get; }
    /// <summary>/dev/pts/N: what runc sends as the message text along with the master.</summary>
    public string SlaveName { get; }

    public static PseudoTerminal Open()
    {
        var master = new SafeFileHandle(Errno.Check(CliLibc.PosixOpenpt(CliLibc.ORdwr | CliLibc.ONoctty | CliLibc.OCloexec), "posix_openpt"), ownsHandle: true);
        try
        {
            int fd = (int)master.DangerousGetHandle();
            Errno.Check(CliLibc.Grantpt(fd), "grantpt");
            Errno.Check(CliLibc.Unlockpt(fd), "unlockpt");
            byte* name = stackalloc byte[128];
            int error = CliLibc.PtsnameR(fd, name, 128);
            if (error != 0)
            {
                throw new SyscallException("ptsname_r", error);
            }
            string slaveName = Encoding.UTF8.GetString(new ReadOnlySpan<byte>(name, 128)[..new ReadOnlySpan<byte>(name, 128).IndexOf((byte)0)]);
            var slave = new SafeFileHandle(Errno.Check(CliLibc.Open(slaveName, CliLibc.ORdwr | CliLibc.ONoctty | CliLibc.OCloexec), $"open {slaveName}"), ownsHandle: true);
            return new PseudoTerminal(master, slave, slaveName);
        }
        catch
        {
            master.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Puts the slave in raw mode (termios(3) cfmakeraw): this pty only carries bytes between the console-socket
    /// holder and the container's own terminal, whose line discipline echoes and edits; doing it twice would echo twice.
    /// </summary>
    public void MakeSlaveRaw() => MakeRaw((int)Slave.DangerousGetHandle(), "slave " + SlaveName);

    public static void MakeRaw(int fd, string what)
    {
        byte* termios = stackalloc byte[CliLibc.TermiosBytes + 64];
        Errno.Check(CliLibc.Tcgetattr(fd, termios), $"tcgetattr {what}");
        CliLibc.Cfmakeraw(termios);
        Errno.Check(CliLibc.Tcsetattr(fd, CliLibc.TcsaNow, termios), $"tcsetattr {what}");
    }

    /// <summary>The window size of terminal <paramref name="fd"/>, or null when it is not a terminal.</summary>
    public static (uint Rows, uint Columns)? WindowSize(int fd)
    {
        WinSize size;
        return CliLibc.Ioctl(fd, CliLibc.Tiocgwinsz, &size) == 0 && size.Rows > 0 ? (size.Rows, size.Columns) : null;
    }

    public void Dispose()
    {
        Slave.Dispose();
        Master.Dispose();
    }
}

using Kata.Container.Interop;
using Kata.Oci.Spec;

namespace Kata.Container.ProcessSetup;

/// <summary>
/// process.terminal: a pseudo-terminal from the container's own devpts (/dev/ptmx, after the root switch or join), the
/// slave made the process's stdio and controlling terminal (TIOCSCTTY; the stage is already a session leader), and the
/// master handed to the engine over the sync socket (pty(7), ioctl_tty(2)).
/// </summary>
internal static unsafe class ConsoleTerminal
{
    /// <summary>Opens the pair; returns the master. The caller sends it, closes it, then calls <see cref="AttachSlave"/>.</summary>
    public static (FileDescriptor Master, FileDescriptor Slave) Open(ConsoleSize? size)
    {
        var master = new FileDescriptor(Errno.Check(
            Libc.Open("/dev/ptmx", LinuxConstants.O_RDWR | LinuxConstants.O_NOCTTY | LinuxConstants.O_CLOEXEC, 0), "open", "/dev/ptmx"));
        try
        {
            var unlock = 0;
            Errno.Check(Libc.Ioctl(master.Fd, LinuxConstants.TIOCSPTLCK, &unlock), "ioctl(TIOCSPTLCK)", "/dev/ptmx");
            var slave = new FileDescriptor(Errno.Check(
                Libc.Ioctl(master.Fd, LinuxConstants.TIOCGPTPEER, (nint)(LinuxConstants.O_RDWR | LinuxConstants.O_NOCTTY | LinuxConstants.O_CLOEXEC)),
                "ioctl(TIOCGPTPEER)", "/dev/ptmx"));
            ClearOutputNewlineTranslation(master);
            if (size is { } console)
            {
                Resize(master, (ushort)console.Height, (ushort)console.Width);
            }
            return (master, slave);
        }
        catch
        {
            master.Dispose();
            throw;
        }
    }

    public static void AttachSlave(FileDescriptor slave)
    {
        for (var fd = 0; fd <= 2; fd++)
        {
            Errno.Check(Libc.Dup2(slave.Fd, fd), "dup2", $"terminal to fd {fd}");
        }
        Errno.Check(Libc.Ioctl(0, LinuxConstants.TIOCSCTTY, 0), "ioctl(TIOCSCTTY)", "terminal");
        slave.Dispose();
    }

    /// <summary>
    /// -onlcr, as runc's console.NewPty (containerd/console saneTerminal): the container's output is relayed to a
    /// terminal on the client's side, whose own line discipline turns "\n" into "\r\n"; doing it here too would print
    /// "\r\r\n". Done before the process runs, so its first line is already untranslated.
    /// </summary>
    private static void ClearOutputNewlineTranslation(FileDescriptor master)
    {
        // The kernel's struct termios (asm-generic/termbits.h, 36 bytes) for TCGETS/TCSETS; c_oflag is its second word.
        const nuint TCGETS = 0x5401, TCSETS = 0x5402;
        const uint ONLCR = 0x4;
        var termios = stackalloc byte[64];
        Errno.Check(Libc.Ioctl(master.Fd, TCGETS, termios), "ioctl(TCGETS)", "/dev/ptmx");
        *(uint*)(termios + 4) &= ~ONLCR;
        Errno.Check(Libc.Ioctl(master.Fd, TCSETS, termios), "ioctl(TCSETS)", "/dev/ptmx");
    }

    public static void Resize(FileDescriptor master, ushort rows, ushort columns) => Resize(master.Fd, rows, columns);

    private static void Resize(int fd, ushort rows, ushort columns)
    {
        var size = new WindowSize { Rows = rows, Columns = columns };
        Errno.Check(Libc.Ioctl(fd, LinuxConstants.TIOCSWINSZ, &size), "ioctl(TIOCSWINSZ)", "terminal");
    }
}

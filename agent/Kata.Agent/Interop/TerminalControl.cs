using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Kata.Agent.Interop;

/// <summary>
/// The tty ioctls the agent makes on a pty master it holds (ioctl_tty(2)): the window size, and the line discipline's
/// settings (read on the master, they are the slave's: drivers/tty/pty.c), plus duplicating the master (fcntl(2)).
/// </summary>
internal static unsafe partial class TerminalControl
{
    private const int TCGETS = 0x5401;
    private const int TIOCSWINSZ = 0x5414;
    private const int TIOCGWINSZ = 0x5413;
    private const int FDupfdCloexec = 1030;

    /// <summary>struct termios of the kernel's TCGETS (asm-generic/termbits.h): four flag words, c_line, c_cc[19].</summary>
    private const int KernelTermiosBytes = 36;
    private const int LflagOffset = 12;
    private const int ControlCharsOffset = 17;
    /// <summary>VEOF's index in c_cc (asm-generic/termbits.h).</summary>
    private const int Veof = 4;
    private const uint Icanon = 0x2;

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, ulong request, void* argument);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    /// <summary>A close-on-exec duplicate of <paramref name="fd"/>, owned by the caller.</summary>
    public static SafeFileHandle Duplicate(int fd)
    {
        int copy = Fcntl(fd, FDupfdCloexec, 0);
        if (copy < 0)
        {
            throw Failure("fcntl(F_DUPFD_CLOEXEC)", "terminal master");
        }
        return new SafeFileHandle(copy, ownsHandle: true);
    }

    public static void SetWindowSize(SafeFileHandle master, ushort rows, ushort columns)
    {
        var size = new WindowSize { Rows = rows, Columns = columns };
        if (Ioctl(Descriptor(master), TIOCSWINSZ, &size) != 0)
        {
            throw Failure("ioctl(TIOCSWINSZ)", "terminal master");
        }
    }

    public static (ushort Rows, ushort Columns) GetWindowSize(SafeFileHandle master)
    {
        WindowSize size;
        if (Ioctl(Descriptor(master), TIOCGWINSZ, &size) != 0)
        {
            throw Failure("ioctl(TIOCGWINSZ)", "terminal master");
        }
        return (size.Rows, size.Columns);
    }

    /// <summary>
    /// The byte the line discipline reads as end-of-file (c_cc[VEOF], ^D by default), or null when the terminal is not
    /// in canonical mode: then no byte means EOF (termios(3) "Canonical and noncanonical mode").
    /// </summary>
    public static byte? EndOfFileCharacter(SafeFileHandle master)
    {
        byte* termios = stackalloc byte[KernelTermiosBytes + 28];
        if (Ioctl(Descriptor(master), TCGETS, termios) != 0)
        {
            throw Failure("ioctl(TCGETS)", "terminal master");
        }
        uint localFlags = *(uint*)(termios + LflagOffset);
        return (localFlags & Icanon) != 0 ? termios[ControlCharsOffset + Veof] : null;
    }

    private static int Descriptor(SafeFileHandle handle) => (int)handle.DangerousGetHandle();

    private static IOException Failure(string call, string what)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call} on {what} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }
}

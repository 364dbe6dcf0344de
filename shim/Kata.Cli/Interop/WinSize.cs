using System.Runtime.InteropServices;

namespace Kata.Cli.Interop;

/// <summary>struct winsize (ioctl_tty(2): TIOCGWINSZ/TIOCSWINSZ).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct WinSize
{
    public ushort Rows;
    public ushort Columns;
    public ushort XPixels;
    public ushort YPixels;
}

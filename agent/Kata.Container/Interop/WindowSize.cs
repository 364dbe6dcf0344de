using System.Runtime.InteropServices;

namespace Kata.Container.Interop;

/// <summary>struct winsize (asm-generic/termios.h), for TIOCSWINSZ.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct WindowSize
{
    public ushort Rows;
    public ushort Columns;
    public ushort XPixels;
    public ushort YPixels;
}

using System.Runtime.InteropServices;

namespace Kata.Agent.Interop;

/// <summary>struct winsize (asm-generic/termios.h) for TIOCGWINSZ/TIOCSWINSZ.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct WindowSize
{
    public ushort Rows;
    public ushort Columns;
    public ushort XPixels;
    public ushort YPixels;
}

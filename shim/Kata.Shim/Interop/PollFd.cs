using System.Runtime.InteropServices;

namespace Kata.Shim.Interop;

/// <summary>struct pollfd (poll(2)).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct PollFd
{
    public const short POLLIN = 0x001;
    public const short POLLHUP = 0x010;

    public int Fd;
    public short Events;
    public short Revents;
}

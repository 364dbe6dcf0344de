using System.Runtime.InteropServices;

namespace Kata.Hypervisor.Interop;

/// <summary>
/// <c>struct epoll_event</c> (linux/eventpoll.h). On x86_64 the kernel declares it packed (EPOLL_PACKED): 12 bytes,
/// the 64-bit data right after the 32-bit event mask.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct EpollEvent
{
    public uint Events;
    public ulong Data;
}

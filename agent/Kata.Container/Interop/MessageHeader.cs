using System.Runtime.InteropServices;

namespace Kata.Container.Interop;

/// <summary>struct msghdr (sys/socket.h), x86_64 layout.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MessageHeader
{
    public void* Name;
    public uint NameLength;
    public IoVector* Vectors;
    public nuint VectorCount;
    public void* Control;
    public nuint ControlLength;
    public int Flags;
}

using System.Runtime.InteropServices;

namespace Kata.Cli.Interop;

/// <summary>struct msghdr (sendmsg(2), x86_64 layout).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MessageHeader
{
    public void* Name;
    public uint NameLength;
    public IoVector* Iov;
    public nuint IovLength;
    public void* Control;
    public nuint ControlLength;
    public int Flags;
}

using System.Runtime.InteropServices;

namespace Kata.Container.Interop;

/// <summary>struct __user_cap_header_struct (linux/capability.h).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CapUserHeader
{
    public uint Version;
    public int Pid;
}

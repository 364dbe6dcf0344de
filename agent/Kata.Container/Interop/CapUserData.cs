using System.Runtime.InteropServices;

namespace Kata.Container.Interop;

/// <summary>struct __user_cap_data_struct (linux/capability.h); version 3 passes two of them (capabilities 0-31, 32-63).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CapUserData
{
    public uint Effective;
    public uint Permitted;
    public uint Inheritable;
}

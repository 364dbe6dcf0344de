using System.Runtime.InteropServices;

namespace Kata.Hypervisor.Interop;

/// <summary>glibc's <c>struct sigaction</c> on x86_64 (handler, 128-byte mask, flags, restorer).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SigAction
{
    public IntPtr Handler;
    public fixed ulong Mask[16];
    public int Flags;
    public IntPtr Restorer;
}

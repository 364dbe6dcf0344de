using System.Runtime.InteropServices;

namespace Kata.Cli.Interop;

/// <summary>struct iovec (readv(2)).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVector
{
    public void* Base;
    public nuint Length;
}

using System.Runtime.InteropServices;

namespace Kata.Container.Interop;

/// <summary>struct rlimit (sys/resource.h).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Rlimit
{
    public ulong Current;
    public ulong Maximum;
}

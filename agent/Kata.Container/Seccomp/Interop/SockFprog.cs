using System.Runtime.InteropServices;
using Kata.Container.Seccomp.Bpf;

namespace Kata.Container.Seccomp.Interop;

/// <summary><c>struct sock_fprog</c> (linux/filter.h): the program handed to seccomp(2).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SockFprog
{
    public ushort Length;
    public BpfInstruction* Filter;
}

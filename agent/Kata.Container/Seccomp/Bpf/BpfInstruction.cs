using System.Runtime.InteropServices;

namespace Kata.Container.Seccomp.Bpf;

/// <summary>One classic BPF instruction, laid out as the kernel's <c>struct sock_filter</c> (linux/filter.h).</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct BpfInstruction(ushort Code, byte JumpTrue, byte JumpFalse, uint K)
{
    public override string ToString() => $"{{ 0x{Code:x2}, {JumpTrue}, {JumpFalse}, 0x{K:x8} }}";
}

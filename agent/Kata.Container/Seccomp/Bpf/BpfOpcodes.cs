namespace Kata.Container.Seccomp.Bpf;

/// <summary>The classic BPF opcodes the seccomp compiler emits (linux/bpf_common.h, linux/filter.h).</summary>
public static class BpfOpcodes
{
    /// <summary>BPF_LD | BPF_W | BPF_ABS: A = 32-bit word at offset K of seccomp_data.</summary>
    public const ushort LoadWordAbsolute = 0x20;

    /// <summary>BPF_ALU | BPF_AND | BPF_K: A &amp;= K.</summary>
    public const ushort AndConstant = 0x54;

    /// <summary>BPF_JMP | BPF_JA: pc += K (an unconditional jump with a 32-bit offset).</summary>
    public const ushort JumpAlways = 0x05;

    /// <summary>BPF_JMP | BPF_JEQ | BPF_K: pc += (A == K) ? jt : jf.</summary>
    public const ushort JumpEqual = 0x15;

    /// <summary>BPF_JMP | BPF_JGT | BPF_K: pc += (A &gt; K) ? jt : jf (unsigned).</summary>
    public const ushort JumpGreater = 0x25;

    /// <summary>BPF_JMP | BPF_JGE | BPF_K: pc += (A &gt;= K) ? jt : jf (unsigned).</summary>
    public const ushort JumpGreaterEqual = 0x35;

    /// <summary>BPF_JMP | BPF_JSET | BPF_K: pc += (A &amp; K) != 0 ? jt : jf.</summary>
    public const ushort JumpSet = 0x45;

    /// <summary>BPF_RET | BPF_K: return K.</summary>
    public const ushort ReturnConstant = 0x06;

    /// <summary>BPF_MAXINSNS: the most instructions the kernel accepts in one filter.</summary>
    public const int MaxInstructions = 4096;

    /// <summary>A conditional jump's jt/jf are 8-bit forward offsets.</summary>
    public const int MaxConditionalOffset = byte.MaxValue;
}

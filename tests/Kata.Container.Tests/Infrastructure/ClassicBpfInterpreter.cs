using Kata.Container.Seccomp;
using Kata.Container.Seccomp.Bpf;

namespace Kata.Container.Tests.Infrastructure;

/// <summary>
/// A classic BPF interpreter for seccomp programs, written from the kernel's rules (net/core/filter.c,
/// kernel/seccomp.c seccomp_check_filter): runs a compiled filter against a synthetic seccomp_data and returns the
/// SECCOMP_RET_* value. Refuses what the kernel would refuse: unknown opcodes, loads outside seccomp_data or not
/// word-aligned, jumps outside the program, falling off the end.
/// </summary>
internal static class ClassicBpfInterpreter
{
    public static uint Run(BpfInstruction[] program, int nr, uint arch, params ulong[] args)
    {
        if (program.Length is 0 or > BpfOpcodes.MaxInstructions)
        {
            throw new InvalidOperationException($"program length {program.Length} outside 1..{BpfOpcodes.MaxInstructions}");
        }
        var data = new byte[SeccompDataLayout.Size];
        BitConverter.TryWriteBytes(data.AsSpan(0), nr);
        BitConverter.TryWriteBytes(data.AsSpan(4), arch);
        for (var i = 0; i < args.Length; i++)
        {
            BitConverter.TryWriteBytes(data.AsSpan(16 + (8 * i)), args[i]);
        }

        uint a = 0;
        var pc = 0;
        while (true)
        {
            if (pc >= program.Length)
            {
                throw new InvalidOperationException($"fell off the end of the program at {pc}");
            }
            var insn = program[pc];
            pc++;
            switch (insn.Code)
            {
                case BpfOpcodes.LoadWordAbsolute:
                    if (insn.K % 4 != 0 || insn.K + 4 > SeccompDataLayout.Size)
                    {
                        throw new InvalidOperationException($"load of offset {insn.K} at {pc - 1} is outside seccomp_data or unaligned");
                    }
                    a = BitConverter.ToUInt32(data, (int)insn.K);
                    break;
                case BpfOpcodes.AndConstant:
                    a &= insn.K;
                    break;
                case BpfOpcodes.JumpAlways:
                    pc = Target(program, pc, insn.K);
                    break;
                case BpfOpcodes.JumpEqual:
                    pc = Target(program, pc, a == insn.K ? insn.JumpTrue : insn.JumpFalse);
                    break;
                case BpfOpcodes.JumpGreater:
                    pc = Target(program, pc, a > insn.K ? insn.JumpTrue : insn.JumpFalse);
                    break;
                case BpfOpcodes.JumpGreaterEqual:
                    pc = Target(program, pc, a >= insn.K ? insn.JumpTrue : insn.JumpFalse);
                    break;
                case BpfOpcodes.JumpSet:
                    pc = Target(program, pc, (a & insn.K) != 0 ? insn.JumpTrue : insn.JumpFalse);
                    break;
                case BpfOpcodes.ReturnConstant:
                    return insn.K;
                default:
                    throw new InvalidOperationException($"opcode 0x{insn.Code:x2} at {pc - 1} is not supported");
            }
        }
    }

    private static int Target(BpfInstruction[] program, int pc, uint offset)
    {
        var target = (long)pc + offset;
        if (target >= program.Length)
        {
            throw new InvalidOperationException($"jump from {pc - 1} by {offset} leaves the program ({program.Length} instructions)");
        }
        return (int)target;
    }
}

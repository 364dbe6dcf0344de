using Kata.Container.Seccomp.Bpf;
using Kata.Oci.Spec;
using Serilog;

namespace Kata.Container.Seccomp;

/// <summary>
/// Compiles the OCI <c>linux.seccomp</c> section (config-linux.md "Seccomp") into a classic BPF program for an x86_64
/// kernel, without libseccomp. Layout, following what libseccomp generates:
/// <list type="number">
/// <item>dispatch on seccomp_data.arch: x86_64 (always), i386 when SCMP_ARCH_X86 is listed; any other arch gets
/// SECCOMP_RET_KILL_THREAD, libseccomp's default bad-arch action;</item>
/// <item>in the x86_64 section, numbers with __X32_SYSCALL_BIT go to the x32 section when SCMP_ARCH_X32 is listed,
/// else they are a bad arch too;</item>
/// <item>per ABI, one block per syscall (in the order the spec names them): its rules in spec order, the first whose
/// argument conditions all hold (AND) decides; rules for the same syscall are alternatives (OR);</item>
/// <item>otherwise the default action.</item>
/// </list>
/// Argument conditions compare the 64-bit argument as two 32-bit halves (classic BPF is 32-bit); on i386 the high
/// half is known to be zero and is compared at compile time.
/// </summary>
public static class SeccompCompiler
{
    private const string SpecPath = "linux.seccomp";

    /// <summary>libseccomp's default SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL (runc leaves it as is).</summary>
    private const uint BadArchReturn = SeccompReturn.KillThread;

    private const uint EnosysErrno = 38;

    public static SeccompProgram Compile(LinuxSeccomp seccomp, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(seccomp);
        var defaultReturn = SeccompReturn.For(seccomp.DefaultAction, seccomp.DefaultErrnoRet, $"{SpecPath}.defaultAction");
        var rules = PrepareRules(seccomp);

        var withX32 = false;
        var withI386 = false;
        foreach (var arch in seccomp.Architectures ?? [])
        {
            switch (arch)
            {
                case SeccompArch.X86_64:
                    break;
                case SeccompArch.X32:
                    withX32 = true;
                    break;
                case SeccompArch.X86:
                    withI386 = true;
                    break;
                default:
                    // An x86_64 kernel only ever reports AUDIT_ARCH_X86_64 or AUDIT_ARCH_I386: a section for another
                    // ABI could never run.
                    logger.Debug("seccomp: architecture {Architecture} cannot occur on x86_64, no filter section for it", arch);
                    break;
            }
        }

        var sections = new List<SeccompArchitecture> { SeccompArchitecture.X86_64 };
        if (withX32)
        {
            sections.Add(SeccompArchitecture.X32);
        }
        if (withI386)
        {
            sections.Add(SeccompArchitecture.I386);
        }
        var skipped = rules.SelectMany(r => r.Names).Distinct(StringComparer.Ordinal)
            .Where(name => !sections.Any(s => s.Syscalls.ContainsKey(name))).ToList();
        foreach (var name in skipped)
        {
            logger.Warning("seccomp: unknown syscall {Syscall} skipped (not a syscall on {Architectures})",
                name, string.Join(", ", sections.Select(s => s.Name)));
        }

        var asm = new BpfAssembler();
        var badArch = asm.NewLabel();
        var x32BadArch = asm.NewLabel();
        var x86_64 = asm.NewLabel();
        var x32 = asm.NewLabel();
        var i386 = asm.NewLabel();

        asm.LoadWord(SeccompDataLayout.Arch);
        asm.Jump(BpfOpcodes.JumpEqual, AuditArch.X86_64, x86_64, null);
        if (withI386)
        {
            asm.Jump(BpfOpcodes.JumpEqual, AuditArch.I386, i386, null);
        }
        asm.Mark(badArch);
        asm.Return(BadArchReturn);

        asm.Mark(x86_64);
        asm.LoadWord(SeccompDataLayout.Nr);
        asm.Jump(BpfOpcodes.JumpGreaterEqual, AuditArch.X32SyscallBit, withX32 ? x32 : x32BadArch, null);
        EmitSection(asm, SeccompArchitecture.X86_64, rules, defaultReturn, logger, numberLoaded: true);

        if (withX32)
        {
            asm.Mark(x32);
            EmitSection(asm, SeccompArchitecture.X32, rules, defaultReturn, logger, numberLoaded: true);
        }
        if (withI386)
        {
            asm.Mark(i386);
            EmitSection(asm, SeccompArchitecture.I386, rules, defaultReturn, logger, numberLoaded: false);
        }

        if (!withX32)
        {
            // classic BPF only jumps forward: x32 numbers in the x86_64 section need a bad-arch return after it
            asm.Mark(x32BadArch);
            asm.Return(BadArchReturn);
        }

        var program = asm.Assemble();
        if (program.Length > BpfOpcodes.MaxInstructions)
        {
            throw new ContainerConfigException(
                $"{SpecPath}: the compiled filter has {program.Length} BPF instructions, more than the kernel's limit of " +
                $"{BpfOpcodes.MaxInstructions} (BPF_MAXINSNS); use fewer syscall rules or architectures");
        }
        logger.Debug("seccomp: compiled {Rules} rules for {Architectures} into {Instructions} BPF instructions",
            rules.Count, string.Join(", ", sections.Select(s => s.Name)), program.Length);
        return new SeccompProgram(program, FilterFlags(seccomp, logger), skipped);
    }

    private static List<CompiledRule> PrepareRules(LinuxSeccomp seccomp)
    {
        var rules = new List<CompiledRule>();
        var syscalls = seccomp.Syscalls ?? [];
        for (var i = 0; i < syscalls.Count; i++)
        {
            var where = $"{SpecPath}.syscalls[{i}]";
            var rule = syscalls[i] ?? throw new ContainerConfigException($"{where}: must not be null");
            var args = rule.Args ?? [];
            for (var a = 0; a < args.Count; a++)
            {
                var arg = args[a] ?? throw new ContainerConfigException($"{where}.args[{a}]: must not be null");
                if (arg.Index >= SeccompDataLayout.MaxArgs)
                {
                    throw new ContainerConfigException(
                        $"{where}.args[{a}].index: {arg.Index} is out of range, a syscall has arguments 0..{SeccompDataLayout.MaxArgs - 1}");
                }
                if (!Enum.IsDefined(arg.Op))
                {
                    throw new ContainerConfigException($"{where}.args[{a}].op: unknown operator {arg.Op}");
                }
            }
            if (rule.Names.Count == 0 || rule.Names.Any(string.IsNullOrEmpty))
            {
                throw new ContainerConfigException($"{where}.names: must list at least one syscall name and no empty names");
            }
            rules.Add(new CompiledRule(rule.Names, args, SeccompReturn.For(rule.Action, rule.ErrnoRet, $"{where}.action")));
        }
        return rules;
    }

    private static void EmitSection(BpfAssembler asm, SeccompArchitecture arch, List<CompiledRule> rules, uint defaultReturn,
        ILogger logger, bool numberLoaded)
    {
        // One block per syscall number, in the order the spec first names it; the rules keep spec order inside it.
        var blocks = new List<(int Number, List<CompiledRule> Rules)>();
        var blockIndex = new Dictionary<int, int>();
        foreach (var rule in rules)
        {
            foreach (var name in rule.Names)
            {
                if (!arch.Syscalls.TryGetValue(name, out var number))
                {
                    logger.Debug("seccomp: {Syscall} is not a syscall on {Architecture}, no rule there", name, arch.Name);
                    continue;
                }
                if (!blockIndex.TryGetValue(number, out var index))
                {
                    blockIndex[number] = index = blocks.Count;
                    blocks.Add((number, []));
                }
                blocks[index].Rules.Add(rule);
            }
        }

        // runc's ENOSYS stub (libcontainer/seccomp/patchbpf): a syscall newer than every one the profile names was
        // unknown to whoever wrote it, so it fails with ENOSYS instead of the default action; libc then falls back
        // to an older call (e.g. fchmodat2 → fchmodat) instead of failing on EPERM.
        var enosys = asm.NewLabel();
        var withEnosysStub = blocks.Count > 0 && !IsAllowing(defaultReturn);
        if (withEnosysStub)
        {
            if (!numberLoaded)
            {
                asm.LoadWord(SeccompDataLayout.Nr);
                numberLoaded = true;
            }
            asm.Jump(BpfOpcodes.JumpGreater, (uint)blocks.Max(b => b.Number), enosys, null);
        }

        foreach (var (number, blockRules) in blocks)
        {
            if (!numberLoaded)
            {
                asm.LoadWord(SeccompDataLayout.Nr);
            }
            var next = asm.NewLabel();
            asm.Jump(BpfOpcodes.JumpEqual, (uint)number, null, next);
            foreach (var rule in blockRules)
            {
                var ruleFails = asm.NewLabel();
                foreach (var arg in rule.Args)
                {
                    EmitCondition(asm, arg, ruleFails, arch.ArgumentsAre32Bit);
                }
                asm.Return(rule.Return);
                asm.Mark(ruleFails);
                if (rule.Args.Count == 0)
                {
                    // An unconditional rule always decides; later rules for this syscall can never run.
                    break;
                }
            }
            asm.Mark(next);
            // Falling out of the block past argument checks leaves an argument half in the accumulator; with an
            // unconditional rule in the block the only way here is the number not matching, which keeps the number.
            numberLoaded = blockRules.Any(r => r.Args.Count == 0);
        }
        asm.Return(defaultReturn);
        if (withEnosysStub)
        {
            asm.Mark(enosys);
            asm.Return(SeccompReturn.Errno | EnosysErrno);
        }
    }

    private static bool IsAllowing(uint filterReturn) =>
        (filterReturn & SeccompReturn.ActionMask) is SeccompReturn.Allow or SeccompReturn.Log;

    /// <summary>Falls through when the condition holds, jumps to <paramref name="fail"/> when it does not.</summary>
    private static void EmitCondition(BpfAssembler asm, LinuxSeccompArg arg, BpfLabel fail, bool argumentsAre32Bit)
    {
        var lowOffset = SeccompDataLayout.ArgLow(arg.Index);
        var highOffset = SeccompDataLayout.ArgHigh(arg.Index);
        var valueLow = (uint)arg.Value;
        var valueHigh = (uint)(arg.Value >> 32);

        if (argumentsAre32Bit)
        {
            EmitCondition32(asm, arg, fail, lowOffset, valueLow, valueHigh);
            return;
        }

        var holds = asm.NewLabel();
        switch (arg.Op)
        {
            case SeccompOperator.EqualTo:
                asm.LoadWord(highOffset);
                asm.Jump(BpfOpcodes.JumpEqual, valueHigh, null, fail);
                asm.LoadWord(lowOffset);
                asm.Jump(BpfOpcodes.JumpEqual, valueLow, null, fail);
                break;
            case SeccompOperator.NotEqual:
                asm.LoadWord(highOffset);
                asm.Jump(BpfOpcodes.JumpEqual, valueHigh, null, holds);
                asm.LoadWord(lowOffset);
                asm.Jump(BpfOpcodes.JumpEqual, valueLow, fail, null);
                break;
            case SeccompOperator.GreaterThan:
            case SeccompOperator.GreaterEqual:
                // high > v.high, or high == v.high and low > (>=) v.low
                asm.LoadWord(highOffset);
                asm.Jump(BpfOpcodes.JumpGreater, valueHigh, holds, null);
                asm.Jump(BpfOpcodes.JumpEqual, valueHigh, null, fail);
                asm.LoadWord(lowOffset);
                asm.Jump(arg.Op == SeccompOperator.GreaterThan ? BpfOpcodes.JumpGreater : BpfOpcodes.JumpGreaterEqual,
                    valueLow, null, fail);
                break;
            case SeccompOperator.LessThan:
            case SeccompOperator.LessEqual:
                // not (>= / >): high > v.high fails, high < v.high holds, equal highs decide on the low halves
                asm.LoadWord(highOffset);
                asm.Jump(BpfOpcodes.JumpGreater, valueHigh, fail, null);
                asm.Jump(BpfOpcodes.JumpEqual, valueHigh, null, holds);
                asm.LoadWord(lowOffset);
                asm.Jump(arg.Op == SeccompOperator.LessThan ? BpfOpcodes.JumpGreaterEqual : BpfOpcodes.JumpGreater,
                    valueLow, fail, null);
                break;
            case SeccompOperator.MaskedEqual:
                asm.LoadWord(highOffset);
                asm.And(valueHigh);
                asm.Jump(BpfOpcodes.JumpEqual, (uint)(arg.ValueTwo >> 32), null, fail);
                asm.LoadWord(lowOffset);
                asm.And(valueLow);
                asm.Jump(BpfOpcodes.JumpEqual, (uint)arg.ValueTwo, null, fail);
                break;
        }
        asm.Mark(holds);
    }

    /// <summary>The same comparisons with the argument's high half known to be zero.</summary>
    private static void EmitCondition32(BpfAssembler asm, LinuxSeccompArg arg, BpfLabel fail, uint lowOffset, uint valueLow, uint valueHigh)
    {
        switch (arg.Op)
        {
            case SeccompOperator.EqualTo when valueHigh != 0:
            case SeccompOperator.GreaterThan when valueHigh != 0:
            case SeccompOperator.GreaterEqual when valueHigh != 0:
            case SeccompOperator.MaskedEqual when (arg.ValueTwo >> 32) != 0:
                asm.JumpAlways(fail);
                break;
            case SeccompOperator.NotEqual when valueHigh != 0:
            case SeccompOperator.LessThan when valueHigh != 0:
            case SeccompOperator.LessEqual when valueHigh != 0:
                break; // always holds
            case SeccompOperator.EqualTo:
                asm.LoadWord(lowOffset);
                asm.Jump(BpfOpcodes.JumpEqual, valueLow, null, fail);
                break;
            case SeccompOperator.NotEqual:
                asm.LoadWord(lowOffset);
                asm.Jump(BpfOpcodes.JumpEqual, valueLow, fail, null);
                break;
            case SeccompOperator.GreaterThan:
                asm.LoadWord(lowOffset);
                asm.Jump(BpfOpcodes.JumpGreater, valueLow, null, fail);
                break;
            case SeccompOperator.GreaterEqual:
                asm.LoadWord(lowOffset);
                asm.Jump(BpfOpcodes.JumpGreaterEqual, valueLow, null, fail);
                break;
            case SeccompOperator.LessThan:
                asm.LoadWord(lowOffset);
                asm.Jump(BpfOpcodes.JumpGreaterEqual, valueLow, fail, null);
                break;
            case SeccompOperator.LessEqual:
                asm.LoadWord(lowOffset);
                asm.Jump(BpfOpcodes.JumpGreater, valueLow, fail, null);
                break;
            case SeccompOperator.MaskedEqual:
                asm.LoadWord(lowOffset);
                asm.And(valueLow);
                asm.Jump(BpfOpcodes.JumpEqual, (uint)arg.ValueTwo, null, fail);
                break;
        }
    }

    private static uint FilterFlags(LinuxSeccomp seccomp, ILogger logger)
    {
        uint flags = 0;
        foreach (var flag in seccomp.Flags ?? [])
        {
            switch (flag)
            {
                case SeccompFlag.Log:
                    flags |= SeccompFilterFlags.Log;
                    break;
                case SeccompFlag.SpecAllow:
                    flags |= SeccompFilterFlags.SpecAllow;
                    break;
                case SeccompFlag.WaitKillableRecv:
                    // Only meaningful with SECCOMP_FILTER_FLAG_NEW_LISTENER (the kernel rejects it alone), and
                    // SCMP_ACT_NOTIFY is refused above, so there is never a listener.
                    logger.Debug("seccomp: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ignored, there is no notify listener");
                    break;
                default:
                    throw new ContainerConfigException($"{SpecPath}.flags: unknown flag {flag}");
            }
        }
        return flags;
    }

    private sealed record CompiledRule(IReadOnlyList<string> Names, IReadOnlyList<LinuxSeccompArg> Args, uint Return);
}

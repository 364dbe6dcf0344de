using Kata.Container.Seccomp;
using Kata.Container.Tests.Infrastructure;
using Kata.Oci.Spec;
using static Kata.Container.Tests.Seccomp.SeccompSpecs;

namespace Kata.Container.Tests.Seccomp;

/// <summary>The compiled BPF, run in <see cref="ClassicBpfInterpreter"/> against synthetic seccomp_data.</summary>
public sealed class SeccompCompilerTests
{
    private const int Getcwd = 79;
    private const int Mkdir = 83;
    private const int Kill = 62;
    private const int Personality = 135;
    private const int I386Getcwd = 183;
    private const int X32Getcwd = 0x40000000 + 79;

    private static SeccompProgram Compile(LinuxSeccomp seccomp) => SeccompCompiler.Compile(seccomp, Serilog.Core.Logger.None);

    private static uint Run(SeccompProgram program, int nr, uint arch = AuditArch.X86_64, params ulong[] args) =>
        ClassicBpfInterpreter.Run(program.Instructions, nr, arch, args);

    [Theory]
    [InlineData(SeccompAction.Kill, SeccompReturn.KillThread)]
    [InlineData(SeccompAction.KillThread, SeccompReturn.KillThread)]
    [InlineData(SeccompAction.KillProcess, SeccompReturn.KillProcess)]
    [InlineData(SeccompAction.Trap, SeccompReturn.Trap)]
    [InlineData(SeccompAction.Errno, SeccompReturn.Errno | 1)]
    [InlineData(SeccompAction.Trace, SeccompReturn.Trace | 1)]
    [InlineData(SeccompAction.Allow, SeccompReturn.Allow)]
    [InlineData(SeccompAction.Log, SeccompReturn.Log)]
    public void Every_action_is_returned_for_its_syscall_and_as_the_default(SeccompAction action, uint expected)
    {
        var other = action == SeccompAction.Allow ? SeccompAction.Errno : SeccompAction.Allow;
        var asRule = Compile(Profile(other, Rule(action, "getcwd")));
        Assert.Equal(expected, Run(asRule, Getcwd));
        Assert.NotEqual(expected, Run(asRule, Mkdir));

        var asDefault = Compile(Profile(action, Rule(other, "mkdir")));
        Assert.Equal(expected, Run(asDefault, Getcwd));
    }

    [Fact]
    public void Errno_values_come_from_errnoRet_and_defaultErrnoRet()
    {
        var program = Compile(new LinuxSeccomp
        {
            DefaultAction = SeccompAction.Errno,
            DefaultErrnoRet = 38,
            Syscalls = [new LinuxSyscall { Names = ["getcwd"], Action = SeccompAction.Errno, ErrnoRet = 13 }],
        });
        Assert.Equal(SeccompReturn.Errno | 13, Run(program, Getcwd));
        Assert.Equal(SeccompReturn.Errno | 38, Run(program, Mkdir));
    }

    [Fact]
    public void Spec_flags_become_seccomp_filter_flags()
    {
        var program = Compile(new LinuxSeccomp
        {
            DefaultAction = SeccompAction.Allow,
            Flags = [SeccompFlag.Log, SeccompFlag.SpecAllow, SeccompFlag.WaitKillableRecv],
        });
        // WAIT_KILLABLE_RECV only goes with a notify listener, which kata-style never creates
        Assert.Equal(SeccompFilterFlags.Log | SeccompFilterFlags.SpecAllow, program.FilterFlags);
        Assert.Equal(SeccompReturn.Allow, Run(program, Getcwd));
    }

    [Fact]
    public void Syscalls_newer_than_the_profile_get_ENOSYS_unless_the_default_allows()
    {
        var denying = Compile(Profile(SeccompAction.KillProcess, Rule(SeccompAction.Allow, "getcwd"), Rule(SeccompAction.Allow, "read")));
        Assert.Equal(SeccompReturn.Allow, Run(denying, Getcwd));
        Assert.Equal(SeccompReturn.KillProcess, Run(denying, Getcwd - 1));
        Assert.Equal(SeccompReturn.Errno | 38, Run(denying, Getcwd + 1));

        var allowing = Compile(Profile(SeccompAction.Allow, Rule(SeccompAction.Errno, "getcwd")));
        Assert.Equal(SeccompReturn.Allow, Run(allowing, Getcwd + 1));
    }

    [Fact]
    public void Notify_is_refused_as_not_supported()
    {
        var ex = Assert.Throws<NotSupportedException>(() => Compile(Profile(SeccompAction.Allow, Rule(SeccompAction.Notify, "getcwd"))));
        Assert.Contains("SCMP_ACT_NOTIFY", ex.Message);
        Assert.Contains("linux.seccomp.syscalls[0]", ex.Message);
    }

    [Fact]
    public void An_errno_beyond_16_bits_is_a_config_error()
    {
        var spec = new LinuxSeccomp
        {
            DefaultAction = SeccompAction.Allow,
            Syscalls = [new LinuxSyscall { Names = ["getcwd"], Action = SeccompAction.Errno, ErrnoRet = 70000 }],
        };
        var ex = Assert.Throws<ContainerConfigException>(() => Compile(spec));
        Assert.Contains("70000", ex.Message);
    }

    [Fact]
    public void An_argument_index_beyond_5_is_a_config_error()
    {
        var ex = Assert.Throws<ContainerConfigException>(() =>
            Compile(Profile(SeccompAction.Allow, Rule(SeccompAction.Errno, "kill", Arg(6, SeccompOperator.EqualTo, 0)))));
        Assert.Contains("linux.seccomp.syscalls[0].args[0].index: 6", ex.Message);
    }

    [Fact]
    public void Unknown_syscall_names_are_skipped_and_reported_not_an_error()
    {
        var program = Compile(new LinuxSeccomp
        {
            DefaultAction = SeccompAction.Allow,
            Syscalls = [new LinuxSyscall { Names = ["no_such_syscall", "getcwd", "arm_fadvise64_64"], Action = SeccompAction.Errno }],
        });
        Assert.Equal(["no_such_syscall", "arm_fadvise64_64"], program.SkippedSyscalls);
        Assert.Equal(SeccompReturn.Errno | 1, Run(program, Getcwd));
    }

    public static TheoryData<SeccompOperator> Operators => new(Enum.GetValues<SeccompOperator>());

    /// <summary>Values on both sides of the 32-bit split: the high and the low halves each decide somewhere.</summary>
    private static readonly ulong[] Interesting =
    [
        0, 1, 4, 5, 6, 0xffff_ffff, 0x1_0000_0000, 0x1_0000_0004, 0x1_0000_0005, 0x1_0000_0006, 0x2_0000_0000,
        0x2_0000_0005, 0x8000_0000_0000_0005, 0xffff_ffff_ffff_fffe, ulong.MaxValue,
    ];

    private static bool Expected(SeccompOperator op, ulong arg, ulong value, ulong valueTwo) => op switch
    {
        SeccompOperator.NotEqual => arg != value,
        SeccompOperator.LessThan => arg < value,
        SeccompOperator.LessEqual => arg <= value,
        SeccompOperator.EqualTo => arg == value,
        SeccompOperator.GreaterEqual => arg >= value,
        SeccompOperator.GreaterThan => arg > value,
        SeccompOperator.MaskedEqual => (arg & value) == valueTwo,
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    [Theory]
    [MemberData(nameof(Operators))]
    public void Each_operator_compares_the_whole_64_bit_argument_unsigned(SeccompOperator op)
    {
        foreach (var value in Interesting)
        {
            var valueTwo = op == SeccompOperator.MaskedEqual ? value & 0x0000_0003_0000_0005 : 0;
            var mask = op == SeccompOperator.MaskedEqual ? 0x0000_0003_0000_0005ul : value;
            var program = Compile(Profile(SeccompAction.Allow, Rule(SeccompAction.Errno, "kill", Arg(2, op, mask, valueTwo))));
            foreach (var arg in Interesting)
            {
                var expected = Expected(op, arg, mask, valueTwo) ? SeccompReturn.Errno | 1 : SeccompReturn.Allow;
                Assert.True(expected == Run(program, Kill, AuditArch.X86_64, 0, 0, arg),
                    $"{op} value 0x{mask:x} (valueTwo 0x{valueTwo:x}) against arg 0x{arg:x}: expected 0x{expected:x}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Operators))]
    public void On_i386_arguments_are_32_bit_and_compared_as_such(SeccompOperator op)
    {
        foreach (var value in Interesting)
        {
            var valueTwo = op == SeccompOperator.MaskedEqual ? value & 0x0000_0003_0000_0005 : 0;
            var mask = op == SeccompOperator.MaskedEqual ? 0x0000_0003_0000_0005ul : value;
            var program = Compile(new LinuxSeccomp
            {
                DefaultAction = SeccompAction.Allow,
                Architectures = [SeccompArch.X86],
                Syscalls = [Rule(SeccompAction.Errno, "getcwd", Arg(1, op, mask, valueTwo))],
            });
            foreach (var arg in Interesting.Where(a => a <= uint.MaxValue))
            {
                var expected = Expected(op, arg, mask, valueTwo) ? SeccompReturn.Errno | 1 : SeccompReturn.Allow;
                Assert.True(expected == Run(program, I386Getcwd, AuditArch.I386, 0, arg),
                    $"i386 {op} value 0x{mask:x} against arg 0x{arg:x}: expected 0x{expected:x}");
            }
        }
    }

    [Fact]
    public void Conditions_in_one_rule_are_ANDed_and_rules_for_one_syscall_are_ORed_first_match_wins()
    {
        var program = Compile(Profile(SeccompAction.Allow,
            Rule(SeccompAction.Errno, "kill", Arg(0, SeccompOperator.EqualTo, 1), Arg(1, SeccompOperator.EqualTo, 9)),
            new LinuxSyscall { Names = ["kill"], Action = SeccompAction.Errno, ErrnoRet = 3, Args = [Arg(1, SeccompOperator.EqualTo, 15)] },
            Rule(SeccompAction.Trap, "kill", Arg(0, SeccompOperator.EqualTo, 1))));
        Assert.Equal(SeccompReturn.Errno | 1, Run(program, Kill, AuditArch.X86_64, 1, 9));
        Assert.Equal(SeccompReturn.Errno | 3, Run(program, Kill, AuditArch.X86_64, 2, 15));
        Assert.Equal(SeccompReturn.Errno | 3, Run(program, Kill, AuditArch.X86_64, 1, 15));
        Assert.Equal(SeccompReturn.Trap, Run(program, Kill, AuditArch.X86_64, 1, 2));
        Assert.Equal(SeccompReturn.Allow, Run(program, Kill, AuditArch.X86_64, 2, 9));
        Assert.Equal(SeccompReturn.Allow, Run(program, Getcwd));
    }

    [Fact]
    public void A_foreign_architecture_is_killed_and_listed_ones_get_their_own_numbers()
    {
        var nativeOnly = Compile(Profile(SeccompAction.Allow, Rule(SeccompAction.Errno, "getcwd")));
        Assert.Equal(SeccompReturn.KillThread, Run(nativeOnly, Getcwd, AuditArch.Aarch64));
        Assert.Equal(SeccompReturn.KillThread, Run(nativeOnly, I386Getcwd, AuditArch.I386));
        Assert.Equal(SeccompReturn.KillThread, Run(nativeOnly, X32Getcwd, AuditArch.X86_64));

        var all = Compile(new LinuxSeccomp
        {
            DefaultAction = SeccompAction.Allow,
            Architectures = [SeccompArch.X86_64, SeccompArch.X86, SeccompArch.X32, SeccompArch.Aarch64],
            Syscalls = [Rule(SeccompAction.Errno, "getcwd")],
        });
        Assert.Equal(SeccompReturn.Errno | 1, Run(all, Getcwd, AuditArch.X86_64));
        Assert.Equal(SeccompReturn.Errno | 1, Run(all, I386Getcwd, AuditArch.I386));
        Assert.Equal(SeccompReturn.Errno | 1, Run(all, X32Getcwd, AuditArch.X86_64));
        // 183 is afs_syscall on x86_64, and 79 is settimeofday on i386: each ABI is matched by its own numbers
        Assert.Equal(SeccompReturn.Allow, Run(all, I386Getcwd, AuditArch.X86_64));
        Assert.Equal(SeccompReturn.Allow, Run(all, Getcwd, AuditArch.I386));
        Assert.Equal(SeccompReturn.KillThread, Run(all, Getcwd, AuditArch.Aarch64));
    }

    [Fact]
    public void Bodies_longer_than_a_conditional_jump_reaches_are_relaxed_with_far_jumps()
    {
        // 80 rules on one syscall, 2 conditions each: the block is far more than 255 instructions long.
        var rules = Enumerable.Range(0, 80)
            .Select(i => Rule(SeccompAction.Errno, "personality", Arg(0, SeccompOperator.EqualTo, (ulong)i * 3), Arg(1, SeccompOperator.GreaterThan, 7)))
            .Append(Rule(SeccompAction.Trap, "getcwd"))
            .ToArray();
        var program = Compile(Profile(SeccompAction.Allow, rules));
        Assert.True(program.Instructions.Length > 600, $"only {program.Instructions.Length} instructions");
        Assert.Equal(SeccompReturn.Errno | 1, Run(program, Personality, AuditArch.X86_64, 237, 8));
        Assert.Equal(SeccompReturn.Allow, Run(program, Personality, AuditArch.X86_64, 238, 8));
        Assert.Equal(SeccompReturn.Allow, Run(program, Personality, AuditArch.X86_64, 237, 7));
        Assert.Equal(SeccompReturn.Trap, Run(program, Getcwd));
        Assert.Equal(SeccompReturn.Allow, Run(program, Mkdir));
    }

    [Fact]
    public void A_filter_over_4096_instructions_is_refused_with_the_count()
    {
        var rules = Enumerable.Range(0, 400)
            .Select(i => Rule(SeccompAction.Errno, "personality", Arg(0, SeccompOperator.LessThan, (ulong)i), Arg(1, SeccompOperator.GreaterThan, 7)))
            .ToArray();
        var ex = Assert.Throws<ContainerConfigException>(() => Compile(Profile(SeccompAction.Allow, rules)));
        Assert.Contains("4096", ex.Message);
        Assert.Contains("BPF_MAXINSNS", ex.Message);
    }

    [Fact]
    public void Docker_default_profile_compiles_and_decides_like_docker()
    {
        var program = Compile(DockerDefault());
        Assert.InRange(program.Instructions.Length, 100, 4096);
        const uint eperm = SeccompReturn.Errno | 1;
        Assert.Equal(SeccompReturn.Allow, Run(program, 0));                       // read
        Assert.Equal(SeccompReturn.Allow, Run(program, Mkdir));
        Assert.Equal(eperm, Run(program, 165));                                   // mount: needs CAP_SYS_ADMIN
        Assert.Equal(eperm, Run(program, 272));                                   // unshare
        Assert.Equal(eperm, Run(program, 250));                                   // keyctl: not allowed at all
        Assert.Equal(SeccompReturn.Errno | 38, Run(program, 435));                // clone3 → ENOSYS, so libc falls back to clone
        Assert.Equal(SeccompReturn.Allow, Run(program, 56, AuditArch.X86_64, 0x01200011)); // clone for fork()
        Assert.Equal(eperm, Run(program, 56, AuditArch.X86_64, 0x10000000));      // clone(CLONE_NEWUSER)
        Assert.Equal(SeccompReturn.Allow, Run(program, 41, AuditArch.X86_64, 2)); // socket(AF_INET)
        Assert.Equal(eperm, Run(program, 41, AuditArch.X86_64, 40));              // socket(AF_VSOCK)
        Assert.Equal(SeccompReturn.Allow, Run(program, Personality, AuditArch.X86_64, 0xffffffff));
        Assert.Equal(eperm, Run(program, Personality, AuditArch.X86_64, 1));
        Assert.Equal(SeccompReturn.Allow, Run(program, 3, AuditArch.I386));       // i386 read
        // newer than anything the profile names: ENOSYS (runc's stub), so libc falls back
        Assert.Equal(SeccompReturn.Errno | 38, Run(program, 452));                // fchmodat2
        Assert.Equal(SeccompReturn.Errno | 38, Run(program, 2000));
        Assert.Equal(SeccompReturn.Errno | 38, Run(program, 0x40000000 + 2000));  // x32
        Assert.Equal(SeccompReturn.Errno | 38, Run(program, 2000, AuditArch.I386));
        Assert.Equal(SeccompReturn.KillThread, Run(program, 0, AuditArch.Aarch64));
    }
}

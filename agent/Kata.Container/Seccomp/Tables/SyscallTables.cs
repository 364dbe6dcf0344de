using System.Collections.Frozen;

namespace Kata.Container.Seccomp.Tables;

/// <summary>
/// Syscall name → number per x86 ABI, from the kernel's own tables (the generated SyscallTable.*.cs files; see
/// generate-syscall-tables.sh). A name missing from an ABI's table is not a syscall there.
/// </summary>
internal static partial class SyscallTables
{
    public static FrozenDictionary<string, int> X86_64 { get; } = X86_64Entries.ToFrozenDictionary(e => e.Name, e => e.Number);

    public static FrozenDictionary<string, int> X32 { get; } = X32Entries.ToFrozenDictionary(e => e.Name, e => e.Number);

    public static FrozenDictionary<string, int> I386 { get; } = I386Entries.ToFrozenDictionary(e => e.Name, e => e.Number);
}

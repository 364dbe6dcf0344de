using Kata.Oci.Json;

namespace Kata.Oci.Spec;

/// <summary>The spec strings of <see cref="SeccompArch"/>.</summary>
public sealed class SeccompArchConverter : SpecEnumConverter<SeccompArch>
{
    /// <summary>Shared instance for name lookups outside of JSON (<c>SeccompArchConverter.Instance.ToSpecName(...)</c>).</summary>
    public static readonly SeccompArchConverter Instance = new();

    public SeccompArchConverter() : base("seccomp architecture",
    [
        new(SeccompArch.X86, "SCMP_ARCH_X86"),
        new(SeccompArch.X86_64, "SCMP_ARCH_X86_64"),
        new(SeccompArch.X32, "SCMP_ARCH_X32"),
        new(SeccompArch.Arm, "SCMP_ARCH_ARM"),
        new(SeccompArch.Aarch64, "SCMP_ARCH_AARCH64"),
        new(SeccompArch.Mips, "SCMP_ARCH_MIPS"),
        new(SeccompArch.Mips64, "SCMP_ARCH_MIPS64"),
        new(SeccompArch.Mips64N32, "SCMP_ARCH_MIPS64N32"),
        new(SeccompArch.MipsEl, "SCMP_ARCH_MIPSEL"),
        new(SeccompArch.MipsEl64, "SCMP_ARCH_MIPSEL64"),
        new(SeccompArch.MipsEl64N32, "SCMP_ARCH_MIPSEL64N32"),
        new(SeccompArch.Ppc, "SCMP_ARCH_PPC"),
        new(SeccompArch.Ppc64, "SCMP_ARCH_PPC64"),
        new(SeccompArch.Ppc64Le, "SCMP_ARCH_PPC64LE"),
        new(SeccompArch.S390, "SCMP_ARCH_S390"),
        new(SeccompArch.S390X, "SCMP_ARCH_S390X"),
        new(SeccompArch.Parisc, "SCMP_ARCH_PARISC"),
        new(SeccompArch.Parisc64, "SCMP_ARCH_PARISC64"),
        new(SeccompArch.RiscV64, "SCMP_ARCH_RISCV64"),
        new(SeccompArch.LoongArch64, "SCMP_ARCH_LOONGARCH64"),
        new(SeccompArch.M68k, "SCMP_ARCH_M68K"),
        new(SeccompArch.Sh, "SCMP_ARCH_SH"),
        new(SeccompArch.ShEb, "SCMP_ARCH_SHEB"),
    ])
    {
    }
}

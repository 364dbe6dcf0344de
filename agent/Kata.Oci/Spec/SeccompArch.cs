using System.Text.Json.Serialization;

namespace Kata.Oci.Spec;

/// <summary>A syscall ABI the seccomp filter also covers (config-linux.md "Seccomp", libseccomp SCMP_ARCH_*).</summary>
[JsonConverter(typeof(SeccompArchConverter))]
public enum SeccompArch
{
    /// <summary><c>SCMP_ARCH_X86</c>: The x86 ABI.</summary>
    X86,

    /// <summary><c>SCMP_ARCH_X86_64</c>: The x86_64 ABI.</summary>
    X86_64,

    /// <summary><c>SCMP_ARCH_X32</c>: The x32 ABI.</summary>
    X32,

    /// <summary><c>SCMP_ARCH_ARM</c>: The arm ABI.</summary>
    Arm,

    /// <summary><c>SCMP_ARCH_AARCH64</c>: The aarch64 ABI.</summary>
    Aarch64,

    /// <summary><c>SCMP_ARCH_MIPS</c>: The mips ABI.</summary>
    Mips,

    /// <summary><c>SCMP_ARCH_MIPS64</c>: The mips64 ABI.</summary>
    Mips64,

    /// <summary><c>SCMP_ARCH_MIPS64N32</c>: The mips64n32 ABI.</summary>
    Mips64N32,

    /// <summary><c>SCMP_ARCH_MIPSEL</c>: The mipsel ABI.</summary>
    MipsEl,

    /// <summary><c>SCMP_ARCH_MIPSEL64</c>: The mipsel64 ABI.</summary>
    MipsEl64,

    /// <summary><c>SCMP_ARCH_MIPSEL64N32</c>: The mipsel64n32 ABI.</summary>
    MipsEl64N32,

    /// <summary><c>SCMP_ARCH_PPC</c>: The ppc ABI.</summary>
    Ppc,

    /// <summary><c>SCMP_ARCH_PPC64</c>: The ppc64 ABI.</summary>
    Ppc64,

    /// <summary><c>SCMP_ARCH_PPC64LE</c>: The ppc64le ABI.</summary>
    Ppc64Le,

    /// <summary><c>SCMP_ARCH_S390</c>: The s390 ABI.</summary>
    S390,

    /// <summary><c>SCMP_ARCH_S390X</c>: The s390x ABI.</summary>
    S390X,

    /// <summary><c>SCMP_ARCH_PARISC</c>: The parisc ABI.</summary>
    Parisc,

    /// <summary><c>SCMP_ARCH_PARISC64</c>: The parisc64 ABI.</summary>
    Parisc64,

    /// <summary><c>SCMP_ARCH_RISCV64</c>: The riscv64 ABI.</summary>
    RiscV64,

    /// <summary><c>SCMP_ARCH_LOONGARCH64</c>: The loongarch64 ABI.</summary>
    LoongArch64,

    /// <summary><c>SCMP_ARCH_M68K</c>: The m68k ABI.</summary>
    M68k,

    /// <summary><c>SCMP_ARCH_SH</c>: The sh ABI.</summary>
    Sh,

    /// <summary><c>SCMP_ARCH_SHEB</c>: The sheb ABI.</summary>
    ShEb,
}

namespace Kata.Container.Seccomp;

/// <summary>
/// Offsets into <c>struct seccomp_data</c> (linux/seccomp.h), the input of a seccomp filter:
/// <c>int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6];</c>. x86 is little-endian, so an argument's low
/// 32 bits come first.
/// </summary>
public static class SeccompDataLayout
{
    public const uint Nr = 0;
    public const uint Arch = 4;
    public const uint InstructionPointer = 8;
    public const uint Args = 16;
    public const int Size = 64;
    public const int MaxArgs = 6;

    public static uint ArgLow(uint index) => Args + (8 * index);

    public static uint ArgHigh(uint index) => Args + (8 * index) + 4;
}

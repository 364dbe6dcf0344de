using Iced.Intel;

namespace Kata.Hypervisor.Tests.Arch.X86_64;

/// <summary>Collects what Iced's assembler emits.</summary>
internal sealed class ByteCodeWriter : CodeWriter
{
    public List<byte> Bytes { get; } = [];

    public override void WriteByte(byte value) => Bytes.Add(value);
}

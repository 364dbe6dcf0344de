using Iced.Intel;

namespace Kata.Hypervisor.Tests.Infrastructure;

/// <summary>Collects the bytes Iced's assembler emits.</summary>
public sealed class TinyGuestCodeWriter : CodeWriter
{
    private readonly List<byte> _bytes = [];

    public byte[] ToArray() => [.. _bytes];

    public override void WriteByte(byte value) => _bytes.Add(value);
}

namespace Kata.Hypervisor.Tests.Arch.X86_64;

/// <summary>One OUT a test guest did: port, width in bytes, and the value (little-endian).</summary>
internal readonly record struct PortWrite(ushort Port, int Size, ulong Value);

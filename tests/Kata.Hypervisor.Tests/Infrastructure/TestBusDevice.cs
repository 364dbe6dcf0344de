using System.Buffers.Binary;
using System.Collections.Concurrent;
using Kata.Hypervisor.Devices;

namespace Kata.Hypervisor.Tests.Infrastructure;

/// <summary>A bus device for tests: records every access and answers reads from a function of (offset, width).</summary>
public sealed class TestBusDevice : IBusDevice
{
    private readonly Func<ulong, int, ulong> _read;

    public TestBusDevice(Func<ulong, int, ulong>? read = null)
    {
        _read = read ?? ((_, _) => 0);
    }

    public ConcurrentQueue<(bool IsWrite, ulong Offset, byte[] Data)> Accesses { get; } = new();

    public IEnumerable<byte> WrittenBytes => Accesses.Where(a => a.IsWrite).SelectMany(a => a.Data);

    public void Read(ulong offset, Span<byte> data)
    {
        Span<byte> value = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(value, _read(offset, data.Length));
        value[..Math.Min(8, data.Length)].CopyTo(data);
        Accesses.Enqueue((false, offset, data.ToArray()));
    }

    public void Write(ulong offset, ReadOnlySpan<byte> data) => Accesses.Enqueue((true, offset, data.ToArray()));
}

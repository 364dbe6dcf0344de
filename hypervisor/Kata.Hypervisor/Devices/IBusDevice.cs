namespace Kata.Hypervisor.Devices;

/// <summary>
/// A device on the port-I/O or MMIO bus. <paramref name="offset"/> is relative to the range the device was
/// registered at. Implementations must tolerate any offset and width the guest chooses: a read they do not
/// understand fills <c>data</c> with a defined value (usually 0 or 0xff), a write they do not understand is ignored.
/// </summary>
public interface IBusDevice
{
    void Read(ulong offset, Span<byte> data);

    void Write(ulong offset, ReadOnlySpan<byte> data);
}

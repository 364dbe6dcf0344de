using Kata.Hypervisor.Devices;

namespace Kata.Hypervisor.Tests.Devices.Legacy;

/// <summary>inb/outb against a device, with offsets relative to its base, as the bus hands them over.</summary>
internal static class PortIo
{
    public static byte In(this IBusDevice device, ulong offset)
    {
        Span<byte> data = stackalloc byte[1];
        device.Read(offset, data);
        return data[0];
    }

    public static void Out(this IBusDevice device, ulong offset, byte value) => device.Write(offset, [value]);

    public static void OutString(this IBusDevice device, ulong offset, string text)
    {
        foreach (char c in text)
        {
            device.Out(offset, (byte)c);
        }
    }
}

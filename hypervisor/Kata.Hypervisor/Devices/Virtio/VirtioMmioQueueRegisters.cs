namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>
/// What the driver wrote to one queue's set-up registers (QueueNum and the three area addresses, §4.2.2) before it
/// sets QueueReady; checked and handed to <see cref="VirtQueue.TryEnable"/> then.
/// </summary>
internal struct VirtioMmioQueueRegisters
{
    public uint Size;
    public ulong DescriptorArea;
    public ulong DriverArea;
    public ulong DeviceArea;

    /// <summary>After reset: QueueNum presets to the maximum (a driver that never writes it gets that size), addresses 0.</summary>
    public static VirtioMmioQueueRegisters Initial(ushort maxSize) => new() { Size = maxSize };

    public static ulong SetLow(ulong address, uint low) => (address & 0xffff_ffff_0000_0000UL) | low;

    public static ulong SetHigh(ulong address, uint high) => (address & 0xffff_ffffUL) | ((ulong)high << 32);
}

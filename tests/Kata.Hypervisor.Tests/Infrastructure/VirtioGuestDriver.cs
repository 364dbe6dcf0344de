using System.Buffers.Binary;
using Kata.Hypervisor.Devices;
using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Tests.Infrastructure;

/// <summary>
/// A fake guest driver for a virtio-mmio device, doing what Linux's virtio_mmio and virtio core do through the
/// transport's registers (32-bit accesses, §4.2.2.2): device initialization (§3.1.1), feature negotiation in two
/// halves, queue set-up (§4.2.3.2) with the rings in real guest memory, notifications and interrupt acknowledgement.
/// </summary>
public sealed class VirtioGuestDriver
{
    private readonly IBusDevice _transport;
    private readonly GuestMemory _memory;

    public VirtioGuestDriver(IBusDevice transport, GuestMemory memory)
    {
        _transport = transport;
        _memory = memory;
    }

    public uint Read(ulong offset)
    {
        Span<byte> data = stackalloc byte[4];
        _transport.Read(offset, data);
        return BinaryPrimitives.ReadUInt32LittleEndian(data);
    }

    public void Write(ulong offset, uint value)
    {
        Span<byte> data = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(data, value);
        _transport.Write(offset, data);
    }

    public VirtioDeviceStatus Status => (VirtioDeviceStatus)Read(VirtioMmioRegister.Status);

    public void WriteStatus(VirtioDeviceStatus status) => Write(VirtioMmioRegister.Status, (uint)status);

    /// <summary>Adds <paramref name="bits"/> to the status, as Linux's virtio_add_status (read, OR, write).</summary>
    public void AddStatus(VirtioDeviceStatus bits) => WriteStatus(Status | bits);

    public ulong ReadDeviceFeatures()
    {
        Write(VirtioMmioRegister.DeviceFeaturesSel, 0);
        ulong low = Read(VirtioMmioRegister.DeviceFeatures);
        Write(VirtioMmioRegister.DeviceFeaturesSel, 1);
        ulong high = Read(VirtioMmioRegister.DeviceFeatures);
        return low | (high << 32);
    }

    public void WriteDriverFeatures(ulong features)
    {
        Write(VirtioMmioRegister.DriverFeaturesSel, 0);
        Write(VirtioMmioRegister.DriverFeatures, (uint)features);
        Write(VirtioMmioRegister.DriverFeaturesSel, 1);
        Write(VirtioMmioRegister.DriverFeatures, (uint)(features >> 32));
    }

    /// <summary>
    /// Reset, ACKNOWLEDGE, DRIVER, accept <paramref name="features"/> (null: everything offered), FEATURES_OK and
    /// read it back (§3.1.1 steps 1-6). Returns whether the device kept FEATURES_OK.
    /// </summary>
    public bool Negotiate(ulong? features = null)
    {
        WriteStatus(VirtioDeviceStatus.Reset);
        AddStatus(VirtioDeviceStatus.Acknowledge);
        AddStatus(VirtioDeviceStatus.Driver);
        ulong offered = ReadDeviceFeatures();
        WriteDriverFeatures(features ?? offered);
        AddStatus(VirtioDeviceStatus.FeaturesOk);
        return (Status & VirtioDeviceStatus.FeaturesOk) != 0;
    }

    /// <summary>
    /// Sets queue <paramref name="index"/> up as §4.2.3.2 describes, with its rings zeroed at <paramref name="at"/>
    /// (descriptor table, then the available ring, then the used ring 4-byte aligned).
    /// </summary>
    public VirtioGuestQueue SetUpQueue(int index, ushort size, GuestAddress at)
    {
        _memory.Write(at, new byte[VirtioGuestQueue.Footprint(size)]);
        var queue = new VirtioGuestQueue(_memory, index, size, at, new GuestAddress(at.Value + 16UL * size),
            new GuestAddress(at.Value + VirtioGuestQueue.UsedOffset(size)));
        Write(VirtioMmioRegister.QueueSel, (uint)index);
        WriteQueueLayout(size, queue.DescriptorTable, queue.AvailRing, queue.UsedRing);
        Write(VirtioMmioRegister.QueueReady, 1);
        return queue;
    }

    /// <summary>Writes QueueNum and the three area addresses of the selected queue (no QueueReady).</summary>
    public void WriteQueueLayout(uint size, GuestAddress descriptorTable, GuestAddress availRing, GuestAddress usedRing)
    {
        Write(VirtioMmioRegister.QueueNum, size);
        Write(VirtioMmioRegister.QueueDescLow, (uint)descriptorTable.Value);
        Write(VirtioMmioRegister.QueueDescHigh, (uint)(descriptorTable.Value >> 32));
        Write(VirtioMmioRegister.QueueDriverLow, (uint)availRing.Value);
        Write(VirtioMmioRegister.QueueDriverHigh, (uint)(availRing.Value >> 32));
        Write(VirtioMmioRegister.QueueDeviceLow, (uint)usedRing.Value);
        Write(VirtioMmioRegister.QueueDeviceHigh, (uint)(usedRing.Value >> 32));
    }

    public void DriverOk() => AddStatus(VirtioDeviceStatus.DriverOk);

    /// <summary>Negotiates, sets queue 0 up (size <paramref name="size"/> at <paramref name="at"/>) and sets DRIVER_OK.</summary>
    public VirtioGuestQueue Start(ushort size, GuestAddress at, ulong? features = null)
    {
        if (!Negotiate(features))
        {
            throw new InvalidOperationException("the device refused the features");
        }
        VirtioGuestQueue queue = SetUpQueue(0, size, at);
        DriverOk();
        return queue;
    }

    public void Notify(int queueIndex) => Write(VirtioMmioRegister.QueueNotify, (uint)queueIndex);

    public uint InterruptStatus => Read(VirtioMmioRegister.InterruptStatus);

    /// <summary>What Linux's vm_interrupt does first: read InterruptStatus and acknowledge it. Returns the status.</summary>
    public uint AcknowledgeInterrupt()
    {
        uint status = InterruptStatus;
        Write(VirtioMmioRegister.InterruptAck, status);
        return status;
    }
}

using System.Buffers.Binary;
using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Devices.Virtio.Block;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;

namespace Kata.Hypervisor.Tests.Devices.Virtio.Block;

/// <summary>
/// One hostile guest driver thread against virtio-blk: mostly block requests that look nearly right (a plausible
/// header, sector and data buffers, a status byte) with one thing wrong about half the time, plus random register
/// writes and reads, re-initializations and ring corruption. Seeded, so a failure reproduces.
/// </summary>
internal sealed class HostileBlockDriver : HostileVirtioDriver
{
    private static readonly ulong[] Registers =
    [
        VirtioMmioRegister.DeviceFeaturesSel, VirtioMmioRegister.DriverFeatures, VirtioMmioRegister.DriverFeaturesSel,
        VirtioMmioRegister.QueueSel, VirtioMmioRegister.QueueNum, VirtioMmioRegister.QueueReady, VirtioMmioRegister.QueueNotify,
        VirtioMmioRegister.InterruptAck, VirtioMmioRegister.Status, VirtioMmioRegister.QueueDescLow, VirtioMmioRegister.QueueDescHigh,
        VirtioMmioRegister.QueueDriverLow, VirtioMmioRegister.QueueDriverHigh, VirtioMmioRegister.QueueDeviceLow,
        VirtioMmioRegister.QueueDeviceHigh, VirtioMmioRegister.ConfigGeneration, VirtioMmioRegister.Config,
        VirtioMmioRegister.Config + 8, VirtioMmioRegister.Config + 20,
    ];

    private const ulong HeaderStart = 0x3_0000;
    private const ulong DataStart = 0x4_0000;
    private const int DataSpan = 0xb_0000; // up to 0xf_0000, below the end of the 1 MiB of guest RAM
    private static readonly uint[] Types = [0, 0, 0, 1, 1, 1, 4, 8, 2, 11, 13];
    private readonly ulong _capacity;

    public HostileBlockDriver(VirtioTestBed bed, Random random, ulong capacitySectors, int threadIndex)
        : base(bed, random, threadIndex, Registers, offerPercent: 55, readPercent: 7)
    {
        _capacity = capacitySectors;
    }

    private ulong Sector(int sectors) => Random.Next(6) switch
    {
        0 => (ulong)Random.NextInt64(),
        1 => _capacity - (ulong)Random.Next(0, 3),
        2 => ulong.MaxValue - (ulong)Random.Next(0, 3),
        _ => (ulong)Random.NextInt64(0, (long)Math.Max(1, _capacity - (ulong)sectors + 1)),
    };

    protected override void OfferChain()
    {
        Chains++;
        ushort size = Queue?.Size ?? 16;
        VirtioGuestQueue queue = Queue ?? new VirtioGuestQueue(Bed.Memory, 0, size, QueueArea,
            new GuestAddress(QueueArea.Value + 16UL * size), new GuestAddress(QueueArea.Value + VirtioGuestQueue.UsedOffset(size)));

        uint type = Random.Next(20) == 0 ? (uint)Random.Next() : Types[Random.Next(Types.Length)];
        bool deviceWritesData = type is 0 or 8;
        int dataSegments = type == 4 ? 0 : Random.Next(0, 4);
        int sectors = Random.Next(1, 9);
        ulong header = HeaderStart + (ulong)Random.Next(0, 0x7ff0);
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, type);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[4..], (uint)Random.Next(3));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], Sector(sectors));
        Bed.Memory.Write(new GuestAddress(header), bytes);

        var buffers = new List<(ulong Address, uint Length, bool Writable)>();
        if (Random.Next(8) == 0)
        {
            int split = Random.Next(1, 16);
            buffers.Add((header, (uint)split, false));
            buffers.Add((header + (ulong)split, (uint)(16 - split), false));
        }
        else
        {
            buffers.Add((header, Random.Next(10) == 0 ? (uint)Random.Next(0, 32) : 16u, false));
        }
        uint total = type == 8 ? 20u : (uint)sectors * 512;
        for (int i = 0; i < dataSegments; i++)
        {
            uint length = i == dataSegments - 1 ? total : (uint)Random.Next(0, (int)total + 1);
            total -= length;
            if (Random.Next(10) == 0)
            {
                length = (uint)Random.Next(0, 5000);
            }
            ulong address = DataStart + (ulong)Random.Next(0, DataSpan - 5000);
            bool writable = Random.Next(12) == 0 ? !deviceWritesData : deviceWritesData;
            if (!writable && Random.Next(3) == 0)
            {
                byte[] payload = new byte[Math.Min(length, 4096u)];
                Random.NextBytes(payload);
                Bed.Memory.Write(new GuestAddress(address), payload);
            }
            buffers.Add((address, length, writable));
        }
        if (Random.Next(12) != 0)
        {
            buffers.Add((HeaderStart + 0x7ff0 + (ulong)Random.Next(0, 16), Random.Next(10) == 0 ? 0u : 1u, Random.Next(15) != 0));
        }
        if (buffers.Count > size)
        {
            buffers.RemoveRange(size, buffers.Count - size);
        }

        ushort head = WriteChain(queue, buffers);
        int offers = Random.Next(1, 3);
        for (int i = 0; i < offers; i++)
        {
            queue.PutInRing(Random.Next(12) == 0 ? (ushort)Random.Next(0x10000) : head, ahead: i);
        }
        ushort published = Random.Next(25) == 0 ? (ushort)Random.Next(0x10000) : (ushort)(queue.AvailIndex + offers);
        queue.PublishAvailIndex(published);
        if (Random.Next(4) == 0)
        {
            queue.SetUsedEvent((ushort)Random.Next(0x10000));
            queue.SetAvailFlags((ushort)Random.Next(4));
        }
        Bed.Driver.Notify(Random.Next(12) == 0 ? Random.Next(-2, 3) : 0);
        if (Random.Next(2) == 0)
        {
            Bed.Driver.AcknowledgeInterrupt();
        }
        queue.TakeUsed();
    }

    /// <summary>Writes the chain into descriptors from a random head, mutating one field of some descriptors.</summary>
    private ushort WriteChain(VirtioGuestQueue queue, List<(ulong Address, uint Length, bool Writable)> buffers)
    {
        ushort size = queue.Size;
        ushort head = (ushort)Random.Next(size);
        for (int i = 0; i < buffers.Count; i++)
        {
            int index = (head + i) % size;
            bool last = i == buffers.Count - 1;
            var flags = (buffers[i].Writable ? VirtqDescriptorFlags.Write : 0) | (last ? 0 : VirtqDescriptorFlags.Next);
            ulong address = buffers[i].Address;
            uint length = buffers[i].Length;
            ushort next = (ushort)((index + 1) % size);
            switch (Random.Next(24))
            {
                case 0: flags = (VirtqDescriptorFlags)Random.Next(0x10000); break;
                case 1: next = (ushort)Random.Next(0x10000); break;
                case 2: length = (uint)Random.NextInt64(0, 1L << 32); break;
                case 3: address = (ulong)Random.NextInt64(); break;
                case 4: address = ulong.MaxValue - (ulong)Random.Next(0x1000); break;
                case 5: next = (ushort)index; break;
                case 6: flags ^= VirtqDescriptorFlags.Write; break;
                case 7:
                    flags |= VirtqDescriptorFlags.Indirect;
                    address = (DataStart + (ulong)Random.Next(0, DataSpan)) & ~15UL;
                    length = (uint)(Random.Next(0, 20) * 16 + (Random.Next(4) == 0 ? Random.Next(16) : 0));
                    break;
            }
            queue.WriteDescriptor(index, address, length, flags, next);
        }
        return head;
    }
}

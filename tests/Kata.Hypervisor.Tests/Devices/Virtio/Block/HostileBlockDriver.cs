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
internal sealed class HostileBlockDriver
{
    private const ulong HeaderStart = 0x3_0000;
    private const ulong DataStart = 0x4_0000;
    private const int DataSpan = 0xb_0000; // up to 0xf_0000, below the end of the 1 MiB of guest RAM

    private static readonly ulong[] Registers =
    [
        VirtioMmioRegister.DeviceFeaturesSel, VirtioMmioRegister.DriverFeatures, VirtioMmioRegister.DriverFeaturesSel,
        VirtioMmioRegister.QueueSel, VirtioMmioRegister.QueueNum, VirtioMmioRegister.QueueReady, VirtioMmioRegister.QueueNotify,
        VirtioMmioRegister.InterruptAck, VirtioMmioRegister.Status, VirtioMmioRegister.QueueDescLow, VirtioMmioRegister.QueueDescHigh,
        VirtioMmioRegister.QueueDriverLow, VirtioMmioRegister.QueueDriverHigh, VirtioMmioRegister.QueueDeviceLow,
        VirtioMmioRegister.QueueDeviceHigh, VirtioMmioRegister.ConfigGeneration, VirtioMmioRegister.Config,
        VirtioMmioRegister.Config + 8, VirtioMmioRegister.Config + 20,
    ];

    private static readonly uint[] Types = [0, 0, 0, 1, 1, 1, 4, 8, 2, 11, 13];

    private readonly VirtioTestBed _bed;
    private readonly Random _random;
    private readonly ulong _capacity;
    private readonly GuestAddress _queueArea;
    private VirtioGuestQueue? _queue;

    public HostileBlockDriver(VirtioTestBed bed, Random random, ulong capacitySectors, int threadIndex)
    {
        _bed = bed;
        _random = random;
        _capacity = capacitySectors;
        _queueArea = new GuestAddress(VirtioTestBed.QueueArea.Value + (ulong)threadIndex * 0x1_0000);
    }

    public long Chains { get; private set; }
    public long RegisterWrites { get; private set; }

    public void Step()
    {
        int dice = _random.Next(100);
        if (dice < 55)
        {
            OfferRequest();
        }
        else if (dice < 80)
        {
            RandomRegisterWrite();
        }
        else if (dice < 87)
        {
            RandomRead();
        }
        else if (dice < 95)
        {
            Reinitialize();
        }
        else
        {
            CorruptRings();
        }
    }

    private void Reinitialize()
    {
        ushort size = (ushort)(1 << _random.Next(0, 9));
        ulong features = _random.Next(4) == 0
            ? (ulong)_random.NextInt64()
            : (_bed.Transport.OfferedFeatures & (ulong)_random.NextInt64()) | VirtioFeatures.Version1;
        if (!_bed.Driver.Negotiate(features))
        {
            _queue = null;
            return;
        }
        _queue = _bed.Driver.SetUpQueue(0, size, _queueArea);
        _bed.Driver.DriverOk();
    }

    private ulong Sector(int sectors) => _random.Next(6) switch
    {
        0 => (ulong)_random.NextInt64(),
        1 => _capacity - (ulong)_random.Next(0, 3),
        2 => ulong.MaxValue - (ulong)_random.Next(0, 3),
        _ => (ulong)_random.NextInt64(0, (long)Math.Max(1, _capacity - (ulong)sectors + 1)),
    };

    private void OfferRequest()
    {
        Chains++;
        ushort size = _queue?.Size ?? 16;
        VirtioGuestQueue queue = _queue ?? new VirtioGuestQueue(_bed.Memory, 0, size, _queueArea,
            new GuestAddress(_queueArea.Value + 16UL * size), new GuestAddress(_queueArea.Value + VirtioGuestQueue.UsedOffset(size)));

        uint type = _random.Next(20) == 0 ? (uint)_random.Next() : Types[_random.Next(Types.Length)];
        bool deviceWritesData = type is 0 or 8;
        int dataSegments = type == 4 ? 0 : _random.Next(0, 4);
        int sectors = _random.Next(1, 9);
        ulong header = HeaderStart + (ulong)_random.Next(0, 0x7ff0);
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, type);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[4..], (uint)_random.Next(3));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], Sector(sectors));
        _bed.Memory.Write(new GuestAddress(header), bytes);

        var buffers = new List<(ulong Address, uint Length, bool Writable)>();
        if (_random.Next(8) == 0)
        {
            int split = _random.Next(1, 16);
            buffers.Add((header, (uint)split, false));
            buffers.Add((header + (ulong)split, (uint)(16 - split), false));
        }
        else
        {
            buffers.Add((header, _random.Next(10) == 0 ? (uint)_random.Next(0, 32) : 16u, false));
        }
        uint total = type == 8 ? 20u : (uint)sectors * 512;
        for (int i = 0; i < dataSegments; i++)
        {
            uint length = i == dataSegments - 1 ? total : (uint)_random.Next(0, (int)total + 1);
            total -= length;
            if (_random.Next(10) == 0)
            {
                length = (uint)_random.Next(0, 5000);
            }
            ulong address = DataStart + (ulong)_random.Next(0, DataSpan - 5000);
            bool writable = _random.Next(12) == 0 ? !deviceWritesData : deviceWritesData;
            if (!writable && _random.Next(3) == 0)
            {
                byte[] payload = new byte[Math.Min(length, 4096u)];
                _random.NextBytes(payload);
                _bed.Memory.Write(new GuestAddress(address), payload);
            }
            buffers.Add((address, length, writable));
        }
        if (_random.Next(12) != 0)
        {
            buffers.Add((HeaderStart + 0x7ff0 + (ulong)_random.Next(0, 16), _random.Next(10) == 0 ? 0u : 1u, _random.Next(15) != 0));
        }
        if (buffers.Count > size)
        {
            buffers.RemoveRange(size, buffers.Count - size);
        }

        ushort head = WriteChain(queue, buffers);
        int offers = _random.Next(1, 3);
        for (int i = 0; i < offers; i++)
        {
            queue.PutInRing(_random.Next(12) == 0 ? (ushort)_random.Next(0x10000) : head, ahead: i);
        }
        ushort published = _random.Next(25) == 0 ? (ushort)_random.Next(0x10000) : (ushort)(queue.AvailIndex + offers);
        queue.PublishAvailIndex(published);
        if (_random.Next(4) == 0)
        {
            queue.SetUsedEvent((ushort)_random.Next(0x10000));
            queue.SetAvailFlags((ushort)_random.Next(4));
        }
        _bed.Driver.Notify(_random.Next(12) == 0 ? _random.Next(-2, 3) : 0);
        if (_random.Next(2) == 0)
        {
            _bed.Driver.AcknowledgeInterrupt();
        }
        queue.TakeUsed();
    }

    /// <summary>Writes the chain into descriptors from a random head, mutating one field of some descriptors.</summary>
    private ushort WriteChain(VirtioGuestQueue queue, List<(ulong Address, uint Length, bool Writable)> buffers)
    {
        ushort size = queue.Size;
        ushort head = (ushort)_random.Next(size);
        for (int i = 0; i < buffers.Count; i++)
        {
            int index = (head + i) % size;
            bool last = i == buffers.Count - 1;
            var flags = (buffers[i].Writable ? VirtqDescriptorFlags.Write : 0) | (last ? 0 : VirtqDescriptorFlags.Next);
            ulong address = buffers[i].Address;
            uint length = buffers[i].Length;
            ushort next = (ushort)((index + 1) % size);
            switch (_random.Next(24))
            {
                case 0: flags = (VirtqDescriptorFlags)_random.Next(0x10000); break;
                case 1: next = (ushort)_random.Next(0x10000); break;
                case 2: length = (uint)_random.NextInt64(0, 1L << 32); break;
                case 3: address = (ulong)_random.NextInt64(); break;
                case 4: address = ulong.MaxValue - (ulong)_random.Next(0x1000); break;
                case 5: next = (ushort)index; break;
                case 6: flags ^= VirtqDescriptorFlags.Write; break;
                case 7:
                    flags |= VirtqDescriptorFlags.Indirect;
                    address = (DataStart + (ulong)_random.Next(0, DataSpan)) & ~15UL;
                    length = (uint)(_random.Next(0, 20) * 16 + (_random.Next(4) == 0 ? _random.Next(16) : 0));
                    break;
            }
            queue.WriteDescriptor(index, address, length, flags, next);
        }
        return head;
    }

    private void RandomRegisterWrite()
    {
        RegisterWrites++;
        ulong offset = _random.Next(4) == 0 ? (ulong)_random.Next(0, 0x1100) : Registers[_random.Next(Registers.Length)];
        int width = _random.Next(8) switch
        {
            0 => 1,
            1 => 2,
            2 => 8,
            _ => 4,
        };
        byte[] data = new byte[width];
        _random.NextBytes(data);
        if (offset == VirtioMmioRegister.Status && _random.Next(2) == 0)
        {
            data = BitConverter.GetBytes((uint)new[] { 0, 1, 3, 11, 15, 0x80, 0x40, 0x8b, 7, 9 }[_random.Next(10)]);
        }
        if (offset == VirtioMmioRegister.QueueNum && _random.Next(2) == 0)
        {
            data = BitConverter.GetBytes((uint)_random.Next(0, 600));
        }
        if (_random.Next(10) == 0)
        {
            offset += (ulong)_random.Next(1, 4);
        }
        _bed.Transport.Write(offset, data);
    }

    private void RandomRead()
    {
        ulong offset = (ulong)_random.Next(0, 0x1100);
        byte[] data = new byte[new[] { 1, 2, 4, 8 }[_random.Next(4)]];
        _bed.Transport.Read(offset, data);
    }

    private void CorruptRings()
    {
        byte[] garbage = new byte[_random.Next(1, 64)];
        _random.NextBytes(garbage);
        _bed.Memory.Write(new GuestAddress(_queueArea.Value + (ulong)_random.Next(0, 0x3000)), garbage);
    }
}

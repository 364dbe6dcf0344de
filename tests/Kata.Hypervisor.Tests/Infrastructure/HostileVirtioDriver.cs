using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Devices.Virtio;

namespace Kata.Hypervisor.Tests.Infrastructure;

/// <summary>
/// A hostile guest driver thread for one virtio-mmio device: chains the device kind offers (<see cref="OfferChain"/>),
/// random register writes and reads, re-initializations with random features and queue sizes, and garbage written
/// over the rings. Seeded, so a failure reproduces.
/// </summary>
internal abstract class HostileVirtioDriver
{
    private readonly IReadOnlyList<ulong> _registers;
    private readonly int _offerBelow;
    private readonly int _readBelow;

    /// <param name="registers">registers the random writes aim at (besides any offset, a quarter of the time)</param>
    /// <param name="offerPercent">share of steps that offer a chain</param>
    /// <param name="readPercent">share of steps that read a register</param>
    protected HostileVirtioDriver(VirtioTestBed bed, Random random, int threadIndex, IReadOnlyList<ulong> registers,
        int offerPercent, int readPercent)
    {
        Bed = bed;
        Random = random;
        QueueArea = new GuestAddress(VirtioTestBed.QueueArea.Value + (ulong)threadIndex * 0x1_0000);
        _registers = registers;
        _offerBelow = offerPercent;
        _readBelow = 80 + readPercent;
    }

    protected VirtioTestBed Bed { get; }
    protected Random Random { get; }
    protected GuestAddress QueueArea { get; }
    protected VirtioGuestQueue? Queue { get; private set; }

    public long Chains { get; protected set; }
    public long RegisterWrites { get; private set; }

    public void Step()
    {
        int dice = Random.Next(100);
        if (dice < _offerBelow)
        {
            OfferChain();
        }
        else if (dice < 80)
        {
            RandomRegisterWrite();
        }
        else if (dice < _readBelow)
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

    /// <summary>Offers one chain on <see cref="Queue"/> (set up it may not be) and counts it in <see cref="Chains"/>.</summary>
    protected abstract void OfferChain();

    private void Reinitialize()
    {
        ushort size = (ushort)(1 << Random.Next(0, 9));
        ulong features = Random.Next(4) == 0
            ? (ulong)Random.NextInt64()
            : (Bed.Transport.OfferedFeatures & (ulong)Random.NextInt64()) | VirtioFeatures.Version1;
        if (!Bed.Driver.Negotiate(features))
        {
            Queue = null;
            return;
        }
        Queue = Bed.Driver.SetUpQueue(0, size, QueueArea);
        Bed.Driver.DriverOk();
    }

    private void RandomRegisterWrite()
    {
        RegisterWrites++;
        ulong offset = Random.Next(4) == 0 ? (ulong)Random.Next(0, 0x1100) : _registers[Random.Next(_registers.Count)];
        int width = Random.Next(8) switch
        {
            0 => 1,
            1 => 2,
            2 => 8,
            _ => 4,
        };
        byte[] data = new byte[width];
        Random.NextBytes(data);
        if (offset == VirtioMmioRegister.Status && Random.Next(2) == 0)
        {
            // Mostly plausible status values, to walk the state machine rather than bounce off it.
            data = BitConverter.GetBytes((uint)new[] { 0, 1, 3, 11, 15, 0x80, 0x40, 0x8b, 7, 9 }[Random.Next(10)]);
        }
        if (offset == VirtioMmioRegister.QueueNum && Random.Next(2) == 0)
        {
            data = BitConverter.GetBytes((uint)Random.Next(0, 600));
        }
        if (Random.Next(10) == 0)
        {
            offset += (ulong)Random.Next(1, 4); // misaligned
        }
        Bed.Transport.Write(offset, data);
    }

    private void RandomRead()
    {
        ulong offset = (ulong)Random.Next(0, 0x1100);
        byte[] data = new byte[new[] { 1, 2, 4, 8 }[Random.Next(4)]];
        Bed.Transport.Read(offset, data);
    }

    private void CorruptRings()
    {
        byte[] garbage = new byte[Random.Next(1, 64)];
        Random.NextBytes(garbage);
        ulong at = QueueArea.Value + (ulong)Random.Next(0, 0x3000);
        Bed.Memory.Write(new GuestAddress(at), garbage);
    }
}

using System.Buffers.Binary;
using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Devices.Virtio.Block;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;

namespace Kata.Hypervisor.Tests.Devices.Virtio.Block;

/// <summary>
/// virtio-blk over a real image file, behind the real MMIO transport, with the test as the guest driver: it writes
/// request headers, data buffers and status bytes into guest memory, chains them with descriptors, notifies, and reads
/// the used ring. Layout: rings at <see cref="VirtioTestBed.QueueArea"/>, headers from <see cref="HeaderArea"/>, data
/// from <see cref="VirtioTestBed.DataArea"/>, status bytes from <see cref="StatusArea"/>.
/// </summary>
internal sealed class BlockTestBed : IDisposable
{
    public const ulong HeaderArea = 0x3_0000;
    public const ulong StatusArea = 0x3_8000;
    public const ulong Data = 0x4_0000;
    public const byte Untouched = 0xee;

    private ulong _nextHeader = HeaderArea;
    private ulong _nextStatus = StatusArea;

    /// <param name="sectors">Image size.</param>
    /// <param name="readOnly">Open the image read-only.</param>
    /// <param name="features">Features the driver accepts (null: all offered).</param>
    /// <param name="queueSize">Size of the request queue the driver sets up.</param>
    public BlockTestBed(int sectors = 64, bool readOnly = false, ulong? features = null, ushort queueSize = 16, string? directory = null,
        Serilog.ILogger? logger = null)
    {
        Image = new TempImage(sectors, directory);
        Disk = new RecordingDiskImage(DiskImageFile.Open(Image.ImagePath, readOnly));
        Device = new VirtioBlock(Disk, logger ?? Serilog.Core.Logger.None);
        Bed = new VirtioTestBed(Device);
        Queue = Bed.Driver.Start(queueSize, VirtioTestBed.QueueArea, features);
    }

    public TempImage Image { get; }
    public RecordingDiskImage Disk { get; }
    public VirtioBlock Device { get; }
    public VirtioTestBed Bed { get; }
    public VirtioGuestQueue Queue { get; set; }
    public GuestMemory Memory => Bed.Memory;

    public long Count(VirtioBlockCounter counter) => Device.Counters[counter];

    /// <summary>Writes a 16-byte request header at the next free header slot and returns its address.</summary>
    public ulong Header(VirtioBlockRequestType type, ulong sector) => Header((uint)type, sector);

    public ulong Header(uint type, ulong sector)
    {
        ulong at = _nextHeader;
        _nextHeader += 16;
        Span<byte> header = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(header, type);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], sector);
        Memory.Write(new GuestAddress(at), header);
        return at;
    }

    /// <summary>Reserves a status byte, pre-set to <see cref="Untouched"/> so a test sees whether the device wrote it.</summary>
    public ulong StatusByte()
    {
        ulong at = _nextStatus;
        _nextStatus += 1;
        Memory.Write(new GuestAddress(at), Untouched);
        return at;
    }

    public byte ReadStatus(ulong at) => Memory.Read<byte>(new GuestAddress(at));

    /// <summary>
    /// The usual request: the header in one descriptor, <paramref name="data"/> buffers, one status descriptor; offers
    /// it, notifies, and returns the status byte and the used element.
    /// </summary>
    public (byte Status, uint UsedLength) Submit(VirtioBlockRequestType type, ulong sector, params (ulong Address, uint Length, bool Writable)[] data)
    {
        ulong header = Header(type, sector);
        ulong status = StatusByte();
        ushort head = Queue.Offer([(header, 16, false), .. data, (status, 1, true)]);
        Bed.Driver.Notify(0);
        (uint id, uint length) = Assert.Single(Queue.TakeUsed());
        Assert.Equal(head, id);
        return (ReadStatus(status), length);
    }

    /// <summary>Offers any chain of buffers, notifies, and returns the used length.</summary>
    public uint SubmitRaw(params (ulong Address, uint Length, bool Writable)[] buffers)
    {
        ushort head = Queue.Offer(buffers);
        Bed.Driver.Notify(0);
        (uint id, uint length) = Assert.Single(Queue.TakeUsed());
        Assert.Equal(head, id);
        return length;
    }

    public byte[] ReadGuest(ulong address, int length)
    {
        byte[] bytes = new byte[length];
        Memory.Read(new GuestAddress(address), bytes);
        return bytes;
    }

    public void Dispose()
    {
        Bed.Dispose();
        Device.Dispose();
        Image.Dispose();
    }
}

using System.Buffers.Binary;
using Serilog;

namespace Kata.Hypervisor.Devices.Virtio.Block;

/// <summary>
/// virtio-blk over a raw disk image (virtio 1.2 §5.2; device ID 2, one queue "requestq"), in the spirit of
/// Firecracker's devices/virtio/block. Offers VIRTIO_BLK_F_SEG_MAX, BLK_SIZE, FLUSH and, for a read-only image, RO;
/// serves IN, OUT, FLUSH and GET_ID and answers every other request type VIRTIO_BLK_S_UNSUPP.
/// <para>
/// Requests are served synchronously on the thread that calls <see cref="ProcessQueue"/> (the event loop), with
/// positional file I/O straight between the image and guest memory. Nothing the guest writes throws: a malformed
/// request (short header, data in the wrong direction, a length that is not whole sectors, sectors past the
/// capacity, a write to a read-only disk) is answered VIRTIO_BLK_S_IOERR, a chain without a device-writable status
/// byte at its end is returned with length 0, and a host I/O error is answered IOERR, logged (rate-limited) and
/// counted. Work per call is bounded by the queue size; the used length is the bytes written into guest memory,
/// status byte included.
/// </para>
/// <para>
/// Without VIRTIO_BLK_F_FLUSH negotiated the device is write-through (every OUT is fsync'ed before it completes): a
/// driver that cannot flush assumes there is no volatile write cache (Linux's virtblk_get_cache_mode).
/// </para>
/// </summary>
public sealed partial class VirtioBlock : IVirtioDevice, IDisposable
{
    /// <summary>The unit of <c>capacity</c> and of a request's <c>sector</c>, whatever blk_size says (§5.2.4, §5.2.6).</summary>
    public const int SectorSize = 512;

    /// <summary>Queue size offered (Firecracker's FIRECRACKER_MAX_QUEUE_SIZE).</summary>
    public const ushort QueueSize = 256;

    /// <summary>seg_max: data segments per request; the header and the status byte take the other two descriptors.</summary>
    public const uint SegmentsMax = QueueSize - 2;

    /// <summary>Size of <c>struct virtio_blk_config</c> up to and including the fields of virtio 1.2 (§5.2.4).</summary>
    public const int ConfigSize = 60;

    private const int RequestQueue = 0;

    private readonly IDiskImage _image;
    private readonly ILogger _logger;
    private readonly byte[] _config = new byte[ConfigSize];
    private readonly RateLimitedLog _guestWarnings = new();
    private readonly RateLimitedLog _hostErrors = new();
    private VirtioDeviceContext? _context;
    private bool _writeThrough;
    private int _disposed;

    /// <param name="image">The storage; the device owns it and disposes it with itself.</param>
    /// <param name="logger">For rate-limited warnings about malformed requests and host I/O errors.</param>
    public VirtioBlock(IDiskImage image, ILogger logger)
    {
        if (image.SizeBytes % SectorSize != 0)
        {
            throw new ArgumentException($"{image.Path}: {image.SizeBytes} bytes is not a whole number of sectors", nameof(image));
        }
        _image = image;
        _logger = logger.ForContext<VirtioBlock>().ForContext("Image", image.Path);
        CapacitySectors = image.SizeBytes / SectorSize;
        AvailableFeatures = VirtioFeatures.Version1 | VirtioFeatures.EventIndex | VirtioFeatures.IndirectDescriptors
            | VirtioBlockFeatures.SegMax | VirtioBlockFeatures.BlockSize | VirtioBlockFeatures.Flush
            | (image.IsReadOnly ? VirtioBlockFeatures.ReadOnly : 0);
        // struct virtio_blk_config (§5.2.4): capacity @0, size_max @8 (SIZE_MAX not offered: 0), seg_max @12,
        // geometry @16 (not offered), blk_size @20; topology, writeback, num_queues, discard and write-zeroes limits
        // belong to features not offered and stay 0.
        BinaryPrimitives.WriteUInt64LittleEndian(_config, CapacitySectors);
        BinaryPrimitives.WriteUInt32LittleEndian(_config.AsSpan(12), SegmentsMax);
        BinaryPrimitives.WriteUInt32LittleEndian(_config.AsSpan(20), SectorSize);
    }

    /// <summary>The image's capacity in 512-byte sectors (config <c>capacity</c>).</summary>
    public ulong CapacitySectors { get; }

    public bool IsReadOnly => _image.IsReadOnly;

    public string ImagePath => _image.Path;

    public VirtioBlockCounters Counters { get; } = new();

    public VirtioDeviceType DeviceType => VirtioDeviceType.Block;

    public ulong AvailableFeatures { get; }

    public IReadOnlyList<ushort> QueueMaxSizes { get; } = [QueueSize];

    /// <summary>The configuration never changes (the capacity is fixed when the image is opened).</summary>
    public uint ConfigGeneration => 0;

    public void ReadConfig(ulong offset, Span<byte> data)
    {
        data.Clear();
        if (offset < ConfigSize)
        {
            ReadOnlySpan<byte> source = _config.AsSpan((int)offset);
            source[..Math.Min(source.Length, data.Length)].CopyTo(data);
        }
    }

    /// <summary>Nothing is writable: <c>writeback</c> needs VIRTIO_BLK_F_CONFIG_WCE, which is not offered.</summary>
    public void WriteConfig(ulong offset, ReadOnlySpan<byte> data)
    {
    }

    public void Activate(VirtioDeviceContext context)
    {
        _context = context;
        _writeThrough = !context.HasFeature(VirtioBlockFeatures.FlushBit);
    }

    public void Reset() => _context = null;

    public void ProcessQueue(int queueIndex)
    {
        if (_context is not { } context || queueIndex != RequestQueue)
        {
            return;
        }
        VirtQueue queue = context.Queues[RequestQueue];
        int budget = queue.Size;
        bool completedAny = false;
        while (budget > 0 && queue.TryPopAvailable(out DescriptorChain? chain))
        {
            budget--;
            queue.AddUsed(chain, Serve(context, chain));
            completedAny = true;
        }
        if (completedAny)
        {
            context.SignalUsedIfNeeded(RequestQueue);
        }
        if (budget == 0)
        {
            // More may be waiting: come back after the loop has served the other devices.
            context.RequestQueueProcessing(RequestQueue);
        }
    }

    /// <summary>Closes the image. The transport must have reset the device first (no request is served afterwards).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _image.Dispose();
        }
    }
}

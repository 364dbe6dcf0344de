using System.Security.Cryptography;
using Serilog;

namespace Kata.Hypervisor.Devices.Virtio.Rng;

/// <summary>
/// virtio-rng, the entropy device (virtio 1.2 §5.4; device ID 4, one queue "requestq", no feature bits, no
/// configuration), in the spirit of Firecracker's devices/virtio/rng. Each chain the driver offers is filled from the
/// host's entropy source (<see cref="RandomNumberGenerator"/>: getrandom(2), the same pool as /dev/urandom) and
/// returned with the number of bytes written.
/// <para>
/// Work is bounded whatever the guest offers: at most <see cref="MaxBytesPerChain"/> bytes per chain (§5.4.6.2 lets
/// the device use less than the whole buffer, as long as it places at least one byte) and at most one queue's worth
/// of chains per <see cref="ProcessQueue"/> call; more waiting buffers are left for the next call, which the device
/// asks the event loop for. A chain with no device-writable buffer (§5.4.6.1 forbids device-readable ones) or an
/// invalid one is returned with length 0 and counted.
/// </para>
/// </summary>
public sealed class VirtioRng : IVirtioDevice, IVirtioDeviceCounters
{
    /// <summary>Queue size offered (Firecracker's FIRECRACKER_MAX_QUEUE_SIZE).</summary>
    public const ushort QueueSize = 256;

    /// <summary>The most entropy one chain gets (64 KiB), bounding the work per request.</summary>
    public const int MaxBytesPerChain = 64 * 1024;

    private const int RequestQueue = 0;

    private readonly ILogger _logger;
    private readonly Action<Span<byte>> _entropy;
    private readonly RateLimitedLog _warnings = new();
    private VirtioDeviceContext? _context;
    private long _requests;
    private long _bytes;
    private long _chainsWithoutWritableBuffers;
    private long _invalidChains;
    private long _entropyFailures;

    /// <param name="logger">For rate-limited warnings about malformed requests.</param>
    /// <param name="entropySource">Fills a span with random bytes; <see cref="RandomNumberGenerator.Fill"/> unless a test injects one.</param>
    public VirtioRng(ILogger logger, Action<Span<byte>>? entropySource = null)
    {
        _logger = logger.ForContext<VirtioRng>();
        _entropy = entropySource ?? RandomNumberGenerator.Fill;
    }

    public VirtioDeviceType DeviceType => VirtioDeviceType.Entropy;

    /// <summary>No device feature bits (§5.4.3); the queue handles indirect descriptors and event indexes.</summary>
    public ulong AvailableFeatures => VirtioFeatures.Version1 | VirtioFeatures.EventIndex | VirtioFeatures.IndirectDescriptors;

    public IReadOnlyList<ushort> QueueMaxSizes { get; } = [QueueSize];

    public uint ConfigGeneration => 0;

    /// <summary>Chains completed (valid or not).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Random bytes handed to the guest.</summary>
    public long BytesProvided => Interlocked.Read(ref _bytes);

    /// <summary>Chains without a device-writable buffer, returned with length 0.</summary>
    public long ChainsWithoutWritableBuffers => Interlocked.Read(ref _chainsWithoutWritableBuffers);

    /// <summary>Chains the queue rejected (<see cref="DescriptorChainError"/>), returned with length 0.</summary>
    public long InvalidChains => Interlocked.Read(ref _invalidChains);

    /// <summary>Times the host entropy source failed (the chain is returned with length 0).</summary>
    public long EntropyFailures => Interlocked.Read(ref _entropyFailures);

    /// <summary>Every valid chain is a completed request (an empty answer included); empty answers are errors.</summary>
    public VirtioDeviceActivity ReadActivity() => new(
        RequestsCompleted: Requests - InvalidChains,
        BytesRead: BytesProvided,
        BytesWritten: 0,
        InvalidChains: InvalidChains,
        Errors: ChainsWithoutWritableBuffers + EntropyFailures);

    public IReadOnlyDictionary<string, long> SnapshotCounters() => new Dictionary<string, long>
    {
        [nameof(Requests)] = Requests,
        [nameof(BytesProvided)] = BytesProvided,
        [nameof(ChainsWithoutWritableBuffers)] = ChainsWithoutWritableBuffers,
        [nameof(InvalidChains)] = InvalidChains,
        [nameof(EntropyFailures)] = EntropyFailures,
    };

    /// <summary>No configuration space (§5.4.4): reads are 0.</summary>
    public void ReadConfig(ulong offset, Span<byte> data) => data.Clear();

    public void WriteConfig(ulong offset, ReadOnlySpan<byte> data)
    {
    }

    public void Activate(VirtioDeviceContext context) => _context = context;

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
            queue.AddUsed(chain, Fill(chain));
            Interlocked.Increment(ref _requests);
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

    private uint Fill(DescriptorChain chain)
    {
        if (!chain.IsValid)
        {
            Interlocked.Increment(ref _invalidChains);
            return 0;
        }
        if (chain.WritableLength == 0)
        {
            Interlocked.Increment(ref _chainsWithoutWritableBuffers);
            if (_warnings.TryEnter(out long suppressed))
            {
                _logger.Warning("virtio-rng: request at head {Head} has no device-writable buffer; returned empty ({Suppressed} similar warnings suppressed)",
                    chain.HeadIndex, suppressed);
            }
            return 0;
        }
        try
        {
            int written = chain.FillWritable(_entropy, MaxBytesPerChain);
            Interlocked.Add(ref _bytes, written);
            return (uint)written;
        }
        catch (Exception e)
        {
            // A host-side failure: the guest gets an empty answer and asks again.
            Interlocked.Increment(ref _entropyFailures);
            if (_warnings.TryEnter(out long suppressed))
            {
                _logger.Error(e, "virtio-rng: the host entropy source failed ({Suppressed} similar messages suppressed)", suppressed);
            }
            return 0;
        }
    }
}

using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kata.Hypervisor.Memory;
using Serilog;

namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>
/// The device side of one split virtqueue (virtio 1.2 §2.7): descriptor table, available ring (driver area) and used
/// ring (device area) in guest memory, in the spirit of Firecracker's devices/virtio/queue.rs and rust-vmm's
/// virtio-queue.
/// <para>
/// Everything read from the guest is validated: ring addresses and sizes when the driver enables the queue
/// (<see cref="TryEnable"/>), each descriptor chain when it is popped (<see cref="DescriptorChain"/>, with a typed
/// <see cref="DescriptorChainError"/> instead of an exception), and the available index on every read: a jump of more
/// than the queue size is a <see cref="VirtQueueFault"/> after which the queue stops and the transport sets
/// DEVICE_NEEDS_RESET.
/// </para>
/// <para>
/// Memory ordering (the driver runs concurrently on other CPUs): the available idx is read with acquire semantics
/// before the ring entries and descriptors it covers (the driver's write barrier before updating idx, §2.7.13.3.1,
/// pairs with it); a used element is written before used idx is published with a release store (§2.7.8.2: "The
/// device MUST set len prior to updating the used idx"), which pairs with the driver's read barrier (§2.7.14); and a
/// full fence separates publishing used idx from reading the driver's suppression fields (flags / used_event), and
/// publishing avail_event from re-reading avail idx, so that neither side misses a notification (the store→load
/// ordering of §2.7.13.4 and Linux's virtqueue_kick_prepare, mirrored on the device side).
/// </para>
/// Not thread-safe: the transport serializes all use under its lock.
/// </summary>
public sealed partial class VirtQueue
{
    /// <summary>The largest queue size the split format allows (§2.7).</summary>
    public const int MaximumSize = 32768;

    // Offsets inside the rings (§2.7.6 virtq_avail, §2.7.8 virtq_used).
    private const ulong RingFlagsOffset = 0;
    private const ulong RingIdxOffset = 2;
    private const ulong RingEntriesOffset = 4;
    private const ulong UsedElementSize = 8;
    private const ushort AvailNoInterrupt = 1; // VIRTQ_AVAIL_F_NO_INTERRUPT

    private readonly GuestMemory _memory;
    private readonly ILogger _logger;
    private readonly RateLimitedLog _chainWarnings = new();
    private ushort _nextAvail;
    private ushort _nextUsed;
    private ushort _signalledUsed;
    private bool _signalledValid;
    private int _inFlight;
    private long _chainsPopped;
    private long _invalidChains;

    public VirtQueue(GuestMemory memory, int index, ushort maxSize, ILogger logger)
    {
        if (maxSize == 0 || maxSize > MaximumSize || !IsPowerOfTwo(maxSize))
        {
            throw new ArgumentOutOfRangeException(nameof(maxSize), $"queue {index}: a maximum size of {maxSize} is not a power of 2 in 1..{MaximumSize}");
        }
        _memory = memory;
        _logger = logger;
        Index = index;
        MaxSize = maxSize;
    }

    public int Index { get; }

    /// <summary>QueueNumMax: the largest size the driver may choose.</summary>
    public ushort MaxSize { get; }

    /// <summary>The size the driver chose (valid while <see cref="IsReady"/>).</summary>
    public ushort Size { get; private set; }

    /// <summary>The driver enabled the queue with a valid layout (QueueReady = 1) and has not disabled or reset it.</summary>
    public bool IsReady { get; private set; }

    public GuestAddress DescriptorTable { get; private set; }
    public GuestAddress AvailRing { get; private set; }
    public GuestAddress UsedRing { get; private set; }

    /// <summary>VIRTIO_F_EVENT_IDX was negotiated: used_event / avail_event instead of the flags (§2.7.7, §2.7.10).</summary>
    public bool EventIndex { get; private set; }

    /// <summary>VIRTIO_F_INDIRECT_DESC was negotiated (§2.7.5.3).</summary>
    public bool IndirectDescriptors { get; private set; }

    /// <summary>
    /// Reject chains with a device-readable buffer after a device-writable one (§2.7.4.2). On by default: every
    /// device here reads a request, then writes a response. A device that takes any arrangement turns it off.
    /// </summary>
    public bool RequireReadableBeforeWritable { get; set; } = true;

    /// <summary>Set when the queue hit an error no single chain explains; the queue then does nothing until reset.</summary>
    public VirtQueueFault Fault { get; private set; }

    /// <summary>Chains popped since the queue was created (valid and invalid).</summary>
    public long ChainsPopped => Interlocked.Read(ref _chainsPopped);

    /// <summary>Chains rejected with a <see cref="DescriptorChainError"/> since the queue was created.</summary>
    public long InvalidChains => Interlocked.Read(ref _invalidChains);

    /// <summary>The most recent chain error (for tests and diagnostics).</summary>
    public DescriptorChainError LastChainError { get; private set; }

    /// <summary>Chains popped and not yet returned with <see cref="AddUsed(ushort, uint)"/>.</summary>
    public int InFlight => _inFlight;

    /// <summary>
    /// The driver wrote QueueReady = 1 (§4.2.3.2): checks the size (non-zero power of 2, at most <see cref="MaxSize"/>)
    /// and that each ring is aligned (§2.7.1) and wholly in guest RAM with the sizes of the §2.7 table (descriptor
    /// table 16 × size, available ring 6 + 2 × size, used ring 6 + 8 × size bytes, the event fields included). On
    /// success the queue is ready with both ring positions at 0, as after the driver zeroed the rings.
    /// </summary>
    public VirtQueueSetupError TryEnable(uint size, GuestAddress descriptorTable, GuestAddress availRing, GuestAddress usedRing)
    {
        VirtQueueSetupError error = Validate(size, descriptorTable, availRing, usedRing);
        if (error != VirtQueueSetupError.None)
        {
            return error;
        }
        ResetPositions();
        Size = (ushort)size;
        DescriptorTable = descriptorTable;
        AvailRing = availRing;
        UsedRing = usedRing;
        IsReady = true;
        return VirtQueueSetupError.None;
    }

    /// <summary>Applies the negotiated features (at DRIVER_OK).</summary>
    public void SetNegotiatedFeatures(ulong features)
    {
        EventIndex = VirtioFeatures.Has(features, VirtioFeatures.EventIndexBit);
        IndirectDescriptors = VirtioFeatures.Has(features, VirtioFeatures.IndirectDescriptorsBit);
    }

    /// <summary>The driver wrote QueueReady = 0: the device stops touching the queue (§4.2.2.1).</summary>
    public void Disable() => IsReady = false;

    /// <summary>Device reset (§2.4): back to the state before the driver set the queue up.</summary>
    public void Reset()
    {
        IsReady = false;
        Size = 0;
        DescriptorTable = AvailRing = UsedRing = GuestAddress.Zero;
        EventIndex = IndirectDescriptors = false;
        Fault = VirtQueueFault.None;
        ResetPositions();
    }

    /// <summary>
    /// Takes the next chain the driver made available, validated: <paramref name="chain"/> is either valid or carries
    /// its <see cref="DescriptorChain.Error"/>. Either way the caller returns it with <see cref="AddUsed(DescriptorChain, uint)"/>
    /// (an invalid one with 0 bytes), so every head the driver offered comes back exactly once. False when nothing is
    /// available, the queue is not ready, or it has a <see cref="Fault"/>.
    /// <para>
    /// With VIRTIO_F_EVENT_IDX, finding the ring empty publishes avail_event = the next index (§2.7.10: "notify me when
    /// you make the next buffer available") and looks once more, so a buffer published meanwhile is not missed.
    /// </para>
    /// </summary>
    public bool TryPopAvailable([NotNullWhen(true)] out DescriptorChain? chain)
    {
        chain = null;
        if (!IsReady || Fault != VirtQueueFault.None)
        {
            return false;
        }
        if (!TryReadAvailIndex(out ushort availIndex))
        {
            return false;
        }
        if (availIndex == _nextAvail)
        {
            if (!EventIndex)
            {
                return false;
            }
            if (!TryWriteU16(AvailEventAddress, _nextAvail, "avail_event"))
            {
                return false;
            }
            Interlocked.MemoryBarrier();
            if (!TryReadAvailIndex(out availIndex) || availIndex == _nextAvail)
            {
                return false;
            }
        }
        if (!TryReadU16(AvailRing.Add(RingEntriesOffset + 2UL * (uint)(_nextAvail & (Size - 1))), out ushort head))
        {
            MarkFault(VirtQueueFault.RingInaccessible, "the available ring could not be read");
            return false;
        }
        _nextAvail++;
        _inFlight++;
        Interlocked.Increment(ref _chainsPopped);
        chain = ReadChain(head);
        if (!chain.IsValid)
        {
            Interlocked.Increment(ref _invalidChains);
            LastChainError = chain.Error;
            if (_chainWarnings.TryEnter(out long suppressed))
            {
                _logger.Warning("virtqueue {Queue}: rejected the descriptor chain at head {Head}: {Error} ({Suppressed} similar warnings suppressed)",
                    Index, head, chain.Error, suppressed);
            }
        }
        return true;
    }

    /// <summary>Whether the driver has made buffers available that were not popped yet (a peek at avail idx; changes nothing).</summary>
    public bool HasAvailable =>
        IsReady && Fault == VirtQueueFault.None && TryReadU16Acquire(AvailRing.Add(RingIdxOffset), out ushort availIndex) && availIndex != _nextAvail;

    /// <summary>
    /// Puts the most recently popped chain back, as if it had not been popped (for a device that found it has
    /// nothing to put in it yet, like Firecracker's undo_pop). False if nothing is in flight.
    /// </summary>
    public bool UndoPop()
    {
        if (!IsReady || _inFlight == 0)
        {
            return false;
        }
        _nextAvail--;
        _inFlight--;
        return true;
    }

    /// <summary>Returns <paramref name="chain"/> to the driver with <paramref name="bytesWritten"/>, clamped to its writable length.</summary>
    public bool AddUsed(DescriptorChain chain, uint bytesWritten) =>
        AddUsed(chain.HeadIndex, Math.Min(bytesWritten, chain.WritableLength));

    /// <summary>
    /// Returns the chain at <paramref name="headIndex"/> to the driver through the used ring (§2.7.8): writes the used
    /// element (id, len), then publishes used idx with a release store. False (and nothing written) when the queue is
    /// not ready, has a fault, or has no chain in flight (a device bug: more completions than pops).
    /// </summary>
    public bool AddUsed(ushort headIndex, uint bytesWritten)
    {
        if (!IsReady || Fault != VirtQueueFault.None)
        {
            return false;
        }
        if (_inFlight == 0)
        {
            _logger.Error("virtqueue {Queue}: the device completed head {Head} but has no chain in flight (a device bug); ignored", Index, headIndex);
            return false;
        }
        Span<byte> element = stackalloc byte[(int)UsedElementSize];
        BinaryPrimitives.WriteUInt32LittleEndian(element, headIndex);
        BinaryPrimitives.WriteUInt32LittleEndian(element[4..], bytesWritten);
        GuestAddress slot = UsedRing.Add(RingEntriesOffset + UsedElementSize * (uint)(_nextUsed & (Size - 1)));
        if (!_memory.TryWrite(slot, element))
        {
            MarkFault(VirtQueueFault.RingInaccessible, "the used ring could not be written");
            return false;
        }
        _nextUsed++;
        _inFlight--;
        // §2.7.8.2: the element (and the buffer contents before it) must be visible before the new idx: release store.
        return TryWriteU16Release(UsedRing.Add(RingIdxOffset), _nextUsed);
    }

    /// <summary>
    /// Whether the driver wants a used buffer notification for what was added since the last call (§2.7.7.2):
    /// without VIRTIO_F_EVENT_IDX, unless VIRTQ_AVAIL_F_NO_INTERRUPT is set; with it, when used idx moved past
    /// used_event since the last notification (vring_need_event). False when nothing was added since the last call.
    /// </summary>
    public bool NeedsNotification()
    {
        if (!IsReady || Fault != VirtQueueFault.None)
        {
            return false;
        }
        // Used idx is published; the driver's suppression fields must be read after it (store→load: a full fence),
        // or the driver may re-enable interrupts after our read and sleep on a notification we decided not to send.
        Interlocked.MemoryBarrier();
        ushort newUsed = _nextUsed;
        ushort oldUsed = _signalledUsed;
        bool hadSignalled = _signalledValid;
        _signalledUsed = newUsed;
        _signalledValid = true;
        if (newUsed == oldUsed && (hadSignalled || newUsed == 0))
        {
            // Nothing was added since the last decision (or ever).
            return false;
        }
        if (EventIndex)
        {
            if (!TryReadU16(UsedEventAddress, out ushort usedEvent))
            {
                return true;
            }
            // §2.7.7.2: notify when the used idx passed used_event: (new - event - 1) < (new - old), modulo 2^16.
            return !hadSignalled || (ushort)(newUsed - usedEvent - 1) < (ushort)(newUsed - oldUsed);
        }
        return !TryReadU16(AvailRing.Add(RingFlagsOffset), out ushort flags) || (flags & AvailNoInterrupt) == 0;
    }

    private void ResetPositions()
    {
        _nextAvail = _nextUsed = _signalledUsed = 0;
        _signalledValid = false;
        _inFlight = 0;
    }

    private VirtQueueSetupError Validate(uint size, GuestAddress descriptorTable, GuestAddress availRing, GuestAddress usedRing)
    {
        if (size == 0)
        {
            return VirtQueueSetupError.SizeZero;
        }
        if (!IsPowerOfTwo(size))
        {
            return VirtQueueSetupError.SizeNotPowerOfTwo;
        }
        if (size > MaxSize)
        {
            return VirtQueueSetupError.SizeAboveMaximum;
        }
        if (descriptorTable.Value % 16 != 0)
        {
            return VirtQueueSetupError.DescriptorTableMisaligned;
        }
        if (availRing.Value % 2 != 0)
        {
            return VirtQueueSetupError.AvailRingMisaligned;
        }
        if (usedRing.Value % 4 != 0)
        {
            return VirtQueueSetupError.UsedRingMisaligned;
        }
        if (!IsGuestRam(_memory, descriptorTable, (ulong)VirtqDescriptor.Size * size))
        {
            return VirtQueueSetupError.DescriptorTableOutsideGuestMemory;
        }
        if (!IsGuestRam(_memory, availRing, 6 + 2UL * size))
        {
            return VirtQueueSetupError.AvailRingOutsideGuestMemory;
        }
        if (!IsGuestRam(_memory, usedRing, 6 + UsedElementSize * size))
        {
            return VirtQueueSetupError.UsedRingOutsideGuestMemory;
        }
        return VirtQueueSetupError.None;
    }

    /// <summary>
    /// Reads avail idx (acquire) and checks it: the driver can have at most <see cref="Size"/> chains outstanding
    /// (each holds at least one of Size descriptors until the device returns it), so avail idx can be at most Size
    /// ahead of used idx, and never behind what the device already took (§2.7.6.1: no decrement). Anything else is a
    /// broken or hostile driver (§2.7.13.3): a queue fault. This also bounds the chains in flight by Size.
    /// </summary>
    private bool TryReadAvailIndex(out ushort availIndex)
    {
        if (!TryReadU16Acquire(AvailRing.Add(RingIdxOffset), out availIndex))
        {
            MarkFault(VirtQueueFault.RingInaccessible, "the available ring could not be read");
            return false;
        }
        ushort outstanding = (ushort)(availIndex - _nextUsed);
        if (outstanding > Size)
        {
            MarkFault(VirtQueueFault.AvailIndexJump,
                $"avail idx {availIndex} is {outstanding} entries past used idx {_nextUsed}, more than the queue size {Size}");
            return false;
        }
        if ((ushort)(_nextAvail - _nextUsed) > outstanding)
        {
            // §2.7.6.1: the driver MUST NOT decrement avail idx; it now points before chains already popped.
            MarkFault(VirtQueueFault.AvailIndexJump, $"avail idx went back to {availIndex}, before the {_nextAvail} entries already taken");
            return false;
        }
        return true;
    }

    private void MarkFault(VirtQueueFault fault, string detail)
    {
        Fault = fault;
        _logger.Error("virtqueue {Queue}: {Fault}: {Detail}; the queue is stopped until the driver resets the device", Index, fault, detail);
    }

    /// <summary>used_event: written by the driver after the available ring's entries (§2.7.6).</summary>
    private GuestAddress UsedEventAddress => AvailRing.Add(RingEntriesOffset + 2UL * Size);

    /// <summary>avail_event: written by the device after the used ring's entries (§2.7.8).</summary>
    private GuestAddress AvailEventAddress => UsedRing.Add(RingEntriesOffset + UsedElementSize * Size);

    private bool TryReadU16(GuestAddress address, out ushort value) => _memory.TryRead(address, out value);

    private bool TryReadU16Acquire(GuestAddress address, out ushort value)
    {
        // The rings are 2- and 4-byte aligned (checked in Validate), so the access is atomic.
        if (!_memory.TryGetSpan(address, sizeof(ushort), out Span<byte> span))
        {
            value = 0;
            return false;
        }
        value = Volatile.Read(ref Unsafe.As<byte, ushort>(ref MemoryMarshal.GetReference(span)));
        return true;
    }

    private bool TryWriteU16Release(GuestAddress address, ushort value)
    {
        if (!_memory.TryGetSpan(address, sizeof(ushort), out Span<byte> span))
        {
            MarkFault(VirtQueueFault.RingInaccessible, "the used ring could not be written");
            return false;
        }
        Volatile.Write(ref Unsafe.As<byte, ushort>(ref MemoryMarshal.GetReference(span)), value);
        return true;
    }

    private bool TryWriteU16(GuestAddress address, ushort value, string what)
    {
        if (!_memory.TryWrite(address, value))
        {
            MarkFault(VirtQueueFault.RingInaccessible, $"{what} could not be written");
            return false;
        }
        return true;
    }

    private static bool IsPowerOfTwo(uint value) => value != 0 && (value & (value - 1)) == 0;

    /// <summary>Whether [address, address+length) lies in one RAM region (lengths up to 4 GiB, unlike a span).</summary>
    internal static bool IsGuestRam(GuestMemory memory, GuestAddress address, ulong length)
    {
        if (address.CheckedAdd(length) is null)
        {
            return false;
        }
        foreach (GuestMemoryRegion region in memory.Regions)
        {
            if (region.Contains(address))
            {
                return length <= region.End.Value - address.Value;
            }
        }
        return false;
    }
}

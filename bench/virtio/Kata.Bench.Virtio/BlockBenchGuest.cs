using System.Buffers.Binary;
using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Devices.Virtio.Block;
using Kata.Hypervisor.Memory;
using Kata.Hypervisor.Tests.Infrastructure;
using Serilog.Core;

namespace Kata.Bench.Virtio;

/// <summary>
/// virtio-blk over a real image file, its request queue's notifications on a real <see cref="VirtioEventLoop"/> (the
/// VMM's wiring without KVM), and the calling thread as the guest driver: it keeps <c>depth</c> read requests in
/// flight (header, one data buffer, status byte: three descriptors each, as Linux's virtio_blk with a contiguous
/// buffer), negotiates VIRTIO_F_EVENT_IDX and notifies only when the device asks for it, sleeps on the interrupt line, and checks every status byte and used length.
/// </summary>
internal sealed class BlockBenchGuest : IDisposable
{
    private const ushort QueueSize = 256;
    private const ulong HeaderArea = 0x10_0000;
    private const ulong StatusArea = 0x18_0000;
    private const ulong DataArea = 0x20_0000;
    private const byte Untouched = 0xee;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private readonly GuestMemory _memory;
    private readonly VirtioEventLoop _loop;
    private readonly VirtioBlock _device;
    private readonly VirtioMmioTransport _transport;
    private readonly VirtioGuestDriver _driver;
    private readonly VirtioGuestQueue _queue;
    private readonly GuestInterrupt _interrupt = new();

    public BlockBenchGuest(string imagePath, int maxDepth, int maxRequestBytes)
    {
        if (maxDepth * 3 > QueueSize)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDepth), $"at most {QueueSize / 3} requests fit the queue");
        }
        _memory = new GuestMemory([(GuestAddress.Zero, DataArea + (ulong)maxDepth * (ulong)maxRequestBytes)]);
        _loop = new VirtioEventLoop(Logger.None, "bench-virtio-loop");
        _device = new VirtioBlock(DiskImageFile.Open(imagePath, readOnly: true), Logger.None);
        _transport = new VirtioMmioTransport(_device, _memory, _interrupt, Logger.None);
        _transport.AttachToEventLoop(_loop, vm: null, new GuestAddress(0xd000_0000));
        _driver = new VirtioGuestDriver(_transport, _memory);
        _queue = _driver.Start(QueueSize, new GuestAddress(0x1_0000));
        if ((_transport.DriverFeatures & VirtioFeatures.EventIndex) == 0)
        {
            throw new InvalidOperationException("virtio-blk did not offer VIRTIO_F_EVENT_IDX");
        }
    }

    public VirtioBlockCounters Counters => _device.Counters;

    public GuestMemory Memory => _memory;

    /// <summary>Where request slot <paramref name="slot"/>'s data lands in guest memory.</summary>
    public static ulong DataAddress(int slot, int requestBytes) => DataArea + (ulong)slot * (ulong)requestBytes;

    /// <summary>
    /// Reads <paramref name="count"/> requests of <paramref name="requestBytes"/> at the byte offsets
    /// <paramref name="offsetOf"/>(i) gives, <paramref name="depth"/> at a time; returns the elapsed seconds.
    /// </summary>
    public double Read(int count, int requestBytes, int depth, Func<int, long> offsetOf)
    {
        int submitted = 0, completed = 0;
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        ushort oldAvail = _queue.AvailIndex;
        for (int slot = 0; slot < depth && submitted < count; slot++)
        {
            Submit(slot, offsetOf(submitted++), requestBytes);
        }
        Kick(oldAvail);
        while (completed < count)
        {
            if (_interrupt.IsRaised)
            {
                _interrupt.Clear();
                _driver.AcknowledgeInterrupt();
            }
            bool any = false;
            oldAvail = _queue.AvailIndex;
            foreach ((uint id, uint length) in _queue.TakeUsed())
            {
                int slot = (int)id / 3;
                byte status = _memory.Read<byte>(new GuestAddress(StatusArea + (ulong)slot));
                if (status != (byte)VirtioBlockStatus.Ok || length != requestBytes + 1)
                {
                    throw new InvalidOperationException($"request in slot {slot} completed with status {status}, used length {length}");
                }
                completed++;
                any = true;
                if (submitted < count)
                {
                    Submit(slot, offsetOf(submitted++), requestBytes);
                }
            }
            if (any)
            {
                Kick(oldAvail);
            }
            else if (EventIndex.ArmInterrupt(_queue) && !_interrupt.Wait(Limit))
            {
                throw new TimeoutException($"no completion within {Limit.TotalSeconds} s ({completed} of {count} done)");
            }
        }
        return System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private void Kick(ushort oldAvail)
    {
        if (EventIndex.DeviceWantsNotification(_queue, oldAvail))
        {
            _driver.Notify(0);
        }
    }

    private void Submit(int slot, long offset, int requestBytes)
    {
        ulong header = HeaderArea + (ulong)slot * 16;
        ulong status = StatusArea + (ulong)slot;
        ulong data = DataAddress(slot, requestBytes);
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)VirtioBlockRequestType.In);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], (ulong)(offset / VirtioBlock.SectorSize));
        _memory.Write(new GuestAddress(header), bytes);
        _memory.Write(new GuestAddress(status), Untouched);
        int first = slot * 3;
        _queue.WriteDescriptor(first, header, 16, VirtqDescriptorFlags.Next, (ushort)(first + 1));
        _queue.WriteDescriptor(first + 1, data, (uint)requestBytes, VirtqDescriptorFlags.Write | VirtqDescriptorFlags.Next, (ushort)(first + 2));
        _queue.WriteDescriptor(first + 2, status, 1, VirtqDescriptorFlags.Write, 0);
        _queue.OfferHead((ushort)first);
    }

    public void Dispose()
    {
        _transport.Dispose();
        _device.Dispose();
        _loop.Dispose();
        _memory.Dispose();
        _interrupt.Dispose();
    }
}

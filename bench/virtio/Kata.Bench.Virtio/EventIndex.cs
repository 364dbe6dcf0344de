using Kata.Hypervisor.Tests.Infrastructure;

namespace Kata.Bench.Virtio;

/// <summary>
/// The driver's half of VIRTIO_F_EVENT_IDX (virtio 1.2 §2.7.7, §2.7.10), as Linux's virtio_ring does it: notify the
/// device only when avail idx crossed its avail_event (virtqueue_kick_prepare), and before sleeping ask for an
/// interrupt at the next used buffer, then look once more (virtqueue_enable_cb_prepare / virtqueue_poll).
/// </summary>
internal static class EventIndex
{
    /// <summary>vring_need_event(avail_event, new, old) after the driver published avail idx from <paramref name="oldAvail"/>.</summary>
    public static bool DeviceWantsNotification(VirtioGuestQueue queue, ushort oldAvail)
    {
        // The store of avail idx must be visible before avail_event is read (the full barrier of virtqueue_kick_prepare).
        Interlocked.MemoryBarrier();
        ushort availEvent = queue.ReadAvailEvent();
        return (ushort)(queue.AvailIndex - availEvent - 1) < (ushort)(queue.AvailIndex - oldAvail);
    }

    /// <summary>Sets used_event to what the driver has seen; false when more used buffers arrived meanwhile (do not sleep).</summary>
    public static bool ArmInterrupt(VirtioGuestQueue queue)
    {
        queue.SetUsedEvent(queue.LastSeenUsed);
        Interlocked.MemoryBarrier();
        return queue.ReadUsedIndex() == queue.LastSeenUsed;
    }
}

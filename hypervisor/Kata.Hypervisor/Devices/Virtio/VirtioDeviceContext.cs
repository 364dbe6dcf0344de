using Kata.Hypervisor.Memory;

namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>What an activated device works with (given to <see cref="IVirtioDevice.Activate"/>; valid until its reset).</summary>
public sealed class VirtioDeviceContext
{
    private readonly Action<int> _requestQueueProcessing;

    public VirtioDeviceContext(GuestMemory memory, ulong negotiatedFeatures, IReadOnlyList<VirtQueue> queues,
        IVirtioInterrupt interrupt, object syncRoot, Action<int> requestQueueProcessing)
    {
        Memory = memory;
        NegotiatedFeatures = negotiatedFeatures;
        Queues = queues;
        Interrupt = interrupt;
        SyncRoot = syncRoot;
        _requestQueueProcessing = requestQueueProcessing;
    }

    public GuestMemory Memory { get; }

    /// <summary>The features the driver accepted (a subset of what the device offered, with VIRTIO_F_VERSION_1).</summary>
    public ulong NegotiatedFeatures { get; }

    /// <summary>The device's queues, by index; those the driver did not enable are not <see cref="VirtQueue.IsReady"/>.</summary>
    public IReadOnlyList<VirtQueue> Queues { get; }

    public IVirtioInterrupt Interrupt { get; }

    /// <summary>The transport's lock: hold it for device work that does not come through <see cref="IVirtioDevice"/> calls.</summary>
    public object SyncRoot { get; }

    public bool HasFeature(int bit) => VirtioFeatures.Has(NegotiatedFeatures, bit);

    /// <summary>
    /// Sends a used buffer notification for <paramref name="queueIndex"/> if the driver wants one
    /// (<see cref="VirtQueue.NeedsNotification"/>, §2.7.7). Call once after a batch of <see cref="VirtQueue.AddUsed"/>.
    /// </summary>
    public void SignalUsedIfNeeded(int queueIndex)
    {
        if ((uint)queueIndex < (uint)Queues.Count && Queues[queueIndex].NeedsNotification())
        {
            Interrupt.SignalUsedBuffer(queueIndex);
        }
    }

    /// <summary>
    /// Asks for another <see cref="IVirtioDevice.ProcessQueue"/> call for <paramref name="queueIndex"/> from the event
    /// loop, after other ready file descriptors have been served (for a device that bounded its work and stopped with
    /// buffers still available, or that has new data for a queue it waits on).
    /// </summary>
    public void RequestQueueProcessing(int queueIndex) => _requestQueueProcessing(queueIndex);
}

using System.Collections.Concurrent;
using Kata.Hypervisor.Devices.Virtio;

namespace Kata.Hypervisor.Tests.Devices.Virtio;

/// <summary>
/// A virtio device for transport tests: offers what the test says, keeps a small configuration space, records every
/// call (with the thread it came on) and runs the test's queue handler. By default it echoes: every chain is returned
/// with its writable length.
/// </summary>
internal sealed class RecordingVirtioDevice : IVirtioDevice
{
    private readonly byte[] _config;

    public RecordingVirtioDevice(ulong features = 0, ushort[]? queueSizes = null, int configSize = 8)
    {
        AvailableFeatures = features;
        QueueMaxSizes = queueSizes ?? [16];
        _config = new byte[configSize];
        for (int i = 0; i < configSize; i++)
        {
            _config[i] = (byte)(0x10 + i);
        }
        OnProcessQueue = (context, queueIndex) =>
        {
            VirtQueue queue = context.Queues[queueIndex];
            while (queue.TryPopAvailable(out DescriptorChain? chain))
            {
                Chains.Enqueue(chain);
                queue.AddUsed(chain, chain.WritableLength);
            }
            context.SignalUsedIfNeeded(queueIndex);
        };
    }

    public VirtioDeviceType DeviceType { get; init; } = VirtioDeviceType.Console;
    public ulong AvailableFeatures { get; }
    public IReadOnlyList<ushort> QueueMaxSizes { get; }
    public uint ConfigGeneration { get; set; } = 7;

    public VirtioDeviceContext? Context { get; private set; }
    public int Activations { get; private set; }
    public int Resets { get; private set; }
    public Exception? ThrowOnActivate { get; set; }
    public Action<VirtioDeviceContext, int> OnProcessQueue { get; set; }
    public ConcurrentQueue<(int Queue, int ThreadId)> ProcessCalls { get; } = new();
    public ConcurrentQueue<DescriptorChain> Chains { get; } = new();
    public ConcurrentQueue<(ulong Offset, byte[] Data)> ConfigWrites { get; } = new();

    public void ReadConfig(ulong offset, Span<byte> data)
    {
        data.Clear();
        for (int i = 0; i < data.Length; i++)
        {
            if (offset + (ulong)i < (ulong)_config.Length)
            {
                data[i] = _config[(int)offset + i];
            }
        }
    }

    public void WriteConfig(ulong offset, ReadOnlySpan<byte> data) => ConfigWrites.Enqueue((offset, data.ToArray()));

    public void Activate(VirtioDeviceContext context)
    {
        if (ThrowOnActivate is { } failure)
        {
            throw failure;
        }
        Activations++;
        Context = context;
    }

    public void Reset()
    {
        Resets++;
        Context = null;
    }

    public void ProcessQueue(int queueIndex)
    {
        ProcessCalls.Enqueue((queueIndex, Environment.CurrentManagedThreadId));
        if (Context is { } context)
        {
            OnProcessQueue(context, queueIndex);
        }
    }
}

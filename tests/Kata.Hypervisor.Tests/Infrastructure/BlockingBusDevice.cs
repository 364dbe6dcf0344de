using Kata.Hypervisor.Devices;

namespace Kata.Hypervisor.Tests.Infrastructure;

/// <summary>
/// A device whose first write holds the vCPU thread until the test releases it, like a device doing slow synchronous
/// I/O on the vCPU thread. Bounded: it lets go by itself after <see cref="MaxHold"/>, so a test cannot hang on it.
/// </summary>
public sealed class BlockingBusDevice : IBusDevice, IDisposable
{
    public static readonly TimeSpan MaxHold = TimeSpan.FromSeconds(60);

    private readonly ManualResetEventSlim _entered = new();
    private readonly ManualResetEventSlim _released = new();
    private int _writes;

    /// <summary>Set once a vCPU thread is held inside <see cref="Write"/>.</summary>
    public WaitHandle Entered => _entered.WaitHandle;

    public void Release() => _released.Set();

    public void Read(ulong offset, Span<byte> data) => data.Clear();

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (Interlocked.Increment(ref _writes) == 1)
        {
            _entered.Set();
            _released.Wait(MaxHold);
        }
    }

    public void Dispose()
    {
        _released.Set();
        _entered.Dispose();
    }
}

using Kata.Hypervisor.Devices;

namespace Kata.Hypervisor.Tests.Infrastructure;

/// <summary>An interrupt line that counts its triggers (edges), thread-safe; stands in for an irqfd.</summary>
public sealed class CountingInterruptLine : IInterruptLine
{
    private long _triggers;

    public long Triggers => Interlocked.Read(ref _triggers);

    public void Trigger() => Interlocked.Increment(ref _triggers);
}

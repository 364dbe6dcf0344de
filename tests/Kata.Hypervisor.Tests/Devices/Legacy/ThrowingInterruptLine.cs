using Kata.Hypervisor.Devices;

namespace Kata.Hypervisor.Tests.Devices.Legacy;

/// <summary>An interrupt line whose trigger fails, like an irqfd write returning an error.</summary>
internal sealed class ThrowingInterruptLine : IInterruptLine
{
    public void Trigger() => throw new InvalidOperationException("irqfd write failed");
}
